import { createReadStream } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { remuxToMp4 } from "../media/recording.js";

/** FLV header (9 bytes) and PreviousTagSize0 (4): a raw file this long or shorter holds no tag. */
export const EMPTY_FLV_BYTES = 13;
/** A tag's header: type (1), data size (3), timestamp (3 + 1), stream id (3). */
const TAG_HEADER = 11;
/** Audio, video, script data: anything else where a tag should begin is not a tag. */
const TAG_TYPES = new Set([8, 9, 18]);
/** Headers are read a chunk at a time: one read per MiB, not one per tag. */
const CHUNK = 1 << 20;

/** How much of an FLV is whole tags, and the time (ms) of the last of them. */
export interface WholeTags {
  length: number;
  size: number;
  lastMs: number;
}

/**
 * How many bytes of an FLV are whole tags (each with its PreviousTagSize): a process killed mid-write leaves its
 * last tag cut short, and ffmpeg would copy the cut tag as a packet that does not decode. Only tag headers are read.
 */
export async function wholeTags(file: string): Promise<WholeTags> {
  const handle = await open(file, "r");
  try {
    const size = (await handle.stat()).size;
    return { ...(await scanTags(handle, size)), size };
  } finally {
    await handle.close();
  }
}

async function scanTags(handle: FileHandle, size: number): Promise<{ length: number; lastMs: number }> {
  let lastMs = 0;
  if (size < EMPTY_FLV_BYTES) return { length: 0, lastMs };
  const chunk = Buffer.alloc(CHUNK);
  let chunkStart = 0;
  let chunkLength = 0;
  let pos = EMPTY_FLV_BYTES;
  for (;;) {
    if (pos + TAG_HEADER > chunkStart + chunkLength) {
      chunkStart = pos;
      chunkLength = (await handle.read(chunk, 0, CHUNK, pos)).bytesRead;
      if (chunkLength < TAG_HEADER) return { length: pos, lastMs };
    }
    const at = pos - chunkStart;
    const type = chunk[at]! & 0x1f;
    const end = pos + TAG_HEADER + chunk.readUIntBE(at + 1, 3) + 4;
    if (!TAG_TYPES.has(type) || end > size) return { length: pos, lastMs };
    // 24 bits of milliseconds, then the upper 8.
    lastMs = Math.max(lastMs, chunk.readUIntBE(at + 4, 3) + chunk[at + 7]! * 0x1000000);
    pos = end;
  }
}

/** remuxToMp4 of an FLV's whole tags only (see wholeTags). */
export async function remuxWholeTags(file: string, output: string): Promise<void> {
  const { length, size } = await wholeTags(file);
  if (length <= EMPTY_FLV_BYTES) throw new Error("it holds no whole FLV tag");
  // A file ending on a whole tag is read as a file (seekable: ffmpeg finds its duration); a cut one up to its last.
  await remuxToMp4(length === size ? file : createReadStream(file, { start: 0, end: length - 1 }), output);
}
