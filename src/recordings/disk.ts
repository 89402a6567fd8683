import { statfs } from "node:fs/promises";

/** Free bytes on the file system holding `dir` (for an unprivileged process: bavail, not bfree). */
export async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/** Reads free space, or what a test says it is. */
export type FreeSpaceReader = (dir: string) => number | Promise<number>;
