import { unlink } from "node:fs/promises";
import { join } from "node:path";

/**
 * Where a recording's files live. Names are made from ids Prism generated (never from a request),
 * so nothing a client sends can point outside the recordings directory.
 */
export class RecordingFiles {
  constructor(readonly dir: string) {}

  raw(recordingId: string): string {
    return `${recordingId}.flv`;
  }

  /** The raw file of a recording going on on another node after a takeover (never the first part's name: a shared disk keeps both). */
  continuation(recordingId: string, startedAt: number): string {
    return `${recordingId}-${startedAt}.flv`;
  }

  mp4(recordingId: string): string {
    return `${recordingId}.mp4`;
  }

  clip(clipId: string): string {
    return join("clips", `${clipId}.mp4`);
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** A file that is already gone is fine: deleting is what was wanted. */
  async remove(name: string | null): Promise<void> {
    if (!name) return;
    await unlink(this.path(name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
  }
}
