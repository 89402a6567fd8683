import { MessageType, type TrackKind } from "../media.js";

/**
 * Chunk size every Prism output announces with Set Chunk Size, and the size the shared chunks are
 * cut to. 4096 is what OBS and ffmpeg send, so every platform ingest is known to accept it.
 */
export const OUT_CHUNK_SIZE = 4096;

/** Message stream id used for media. Servers answer createStream with 1 in practice; outputs check. */
export const MEDIA_STREAM_ID = 1;

/** Chunk stream ids: 2 protocol control, 3 commands, then one per track. */
export const ChunkStream = { control: 2, command: 3, audio: 4, data: 5, video: 6 } as const;

const EXTENDED_TIMESTAMP = 0xffffff;

export interface RtmpMessage {
  chunkStream: number;
  type: number;
  streamId: number;
  timestamp: number;
  payload: Buffer;
}

/** Bytes `encodeChunks` writes for a message of `payloadLength` bytes at `timestamp`. */
export function encodedLength(payloadLength: number, timestamp: number, chunkSize = OUT_CHUNK_SIZE): number {
  const extra = timestamp >>> 0 >= EXTENDED_TIMESTAMP ? 4 : 0;
  const continuations = payloadLength > 0 ? Math.ceil(payloadLength / chunkSize) - 1 : 0;
  return 1 + 11 + extra + payloadLength + continuations * (1 + extra);
}

/**
 * Encode one message as RTMP chunks: a type-0 header (absolute timestamp, so a receiver can start at
 * any message) followed by type-3 continuation chunks. Chunk stream ids stay below 64, so every
 * basic header is one byte. Into `out` when given (at least `encodedLength` bytes; the encoding is
 * its first bytes), else into a new Buffer.
 */
export function encodeChunks(message: RtmpMessage, chunkSize = OUT_CHUNK_SIZE, out?: Buffer): Buffer {
  const { chunkStream: cid, payload } = message;
  const ts = message.timestamp >>> 0;
  const extended = ts >= EXTENDED_TIMESTAMP;
  const length = encodedLength(payload.length, ts, chunkSize);
  if (out && out.length < length) throw new RangeError(`encodeChunks needs ${length} bytes, the buffer has ${out.length}`);
  out = out ? out.subarray(0, length) : Buffer.allocUnsafe(length);

  let o = 0;
  out[o++] = cid; // fmt 0
  out.writeUIntBE(extended ? EXTENDED_TIMESTAMP : ts, o, 3);
  out.writeUIntBE(payload.length, o + 3, 3);
  out[o + 6] = message.type;
  out.writeUInt32LE(message.streamId, o + 7);
  o += 11;
  if (extended) o = out.writeUInt32BE(ts, o);

  for (let p = 0; p < payload.length; p += chunkSize) {
    if (p > 0) {
      out[o++] = 0xc0 | cid; // fmt 3
      if (extended) o = out.writeUInt32BE(ts, o);
    }
    o += payload.copy(out, o, p, Math.min(p + chunkSize, payload.length));
  }
  return out;
}

/** A media message for the media stream, encoded once for every output (into `out` when given). */
export function encodeMedia(kind: TrackKind, timestamp: number, payload: Buffer, out?: Buffer): Buffer {
  return encodeChunks({ chunkStream: ChunkStream[kind], type: MessageType[kind], streamId: MEDIA_STREAM_ID, timestamp, payload }, OUT_CHUNK_SIZE, out);
}
