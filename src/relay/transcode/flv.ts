import type { EncodedFrame } from "../media.js";
import { MessageType } from "../media.js";
import { OUT_CHUNK_SIZE } from "../rtmp/chunks.js";

/**
 * FLV for ffmpeg's stdin, written from the hub's frames. A frame carries its payload only as the
 * RTMP chunks every output shares; un-chunking them here costs one copy per frame and only for
 * streams that transcode, where carrying a second copy of every payload in the hub would cost all
 * streams. The chunk layout is the one `encodeChunks` writes: a 12-byte type-0 header (+4 for an
 * extended timestamp), then the payload cut every OUT_CHUNK_SIZE bytes by a 1-byte (+4) header.
 */

const EXTENDED_TIMESTAMP = 0xffffff;

/** "FLV", version 1, the audio/video flags, header size 9, then PreviousTagSize0. */
export function flvHeader(hasAudio: boolean, hasVideo: boolean): Buffer {
  return Buffer.from([0x46, 0x4c, 0x56, 0x01, (hasAudio ? 4 : 0) | (hasVideo ? 1 : 0), 0, 0, 0, 9, 0, 0, 0, 0]);
}

/** One FLV tag (header, payload, PreviousTagSize) carrying the frame's message. */
export function flvTag(frame: EncodedFrame): Buffer {
  const chunks = frame.chunks;
  const length = chunks.readUIntBE(4, 3);
  const extended = chunks.readUIntBE(1, 3) === EXTENDED_TIMESTAMP;
  const headerBytes = extended ? 4 : 0;
  const tag = Buffer.allocUnsafe(11 + length + 4);
  tag[0] = MessageType[frame.kind];
  tag.writeUIntBE(length, 1, 3);
  const ts = frame.dts >>> 0;
  tag.writeUIntBE(ts & 0xffffff, 4, 3);
  tag[7] = (ts >>> 24) & 0xff;
  tag.writeUIntBE(0, 8, 3); // stream id, always 0 in FLV
  let from = 12 + headerBytes;
  for (let copied = 0; copied < length; ) {
    if (copied > 0) from += 1 + headerBytes;
    const piece = Math.min(OUT_CHUNK_SIZE, length - copied);
    chunks.copy(tag, 11 + copied, from, from + piece);
    from += piece;
    copied += piece;
  }
  tag.writeUInt32BE(11 + length, 11 + length);
  return tag;
}
