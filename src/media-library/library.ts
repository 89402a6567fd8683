import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Logger } from "pino";
import type { MediaFile } from "../db/media-repo.js";
import type { MediaStore } from "../db/store.js";
import { probeVideoFile } from "../media/video-file.js";
import { MediaError } from "./errors.js";
import { containerOf, unplayableReason } from "./formats.js";

export interface MediaSettings {
  /** Where uploaded files live (PRISM_MEDIA_DIR, default <data dir>/media). */
  dir: string;
  /** Largest file accepted (PRISM_MEDIA_MAX_MB). */
  maxBytes: number;
  /** Uploads received at the same time; more are refused (429) rather than queued. */
  maxConcurrentUploads: number;
}

/** How a client that goes away mid-upload shows up in the stream. */
const INTERRUPTED = new Set(["ECONNRESET", "ERR_STREAM_PREMATURE_CLOSE", "aborted", "ABORT_ERR", "terminated"]);

const newMediaId = () => `med_${randomBytes(12).toString("base64url")}`;
/** Longest file name kept: it is shown, never used as a path. */
const MAX_NAME = 200;

export const tooLarge = (maxBytes: number) =>
  new MediaError(413, "media_too_large", `The file is larger than the ${Math.round(maxBytes / 1024 / 1024)} MB limit (PRISM_MEDIA_MAX_MB); shorten it or lower its bitrate.`, { maxBytes });

/** Counts the bytes going through and fails the stream as soon as they pass `maxBytes`. */
function byteLimit(maxBytes: number): Transform & { bytes: number } {
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      counter.bytes += chunk.length;
      if (counter.bytes > maxBytes) done(tooLarge(maxBytes));
      else done(null, chunk);
    },
  }) as Transform & { bytes: number };
  counter.bytes = 0;
  return counter;
}

/**
 * Uploaded video files: streamed to disk (never held in memory), bounded in size, checked with
 * ffprobe, then recorded. A refused upload leaves nothing behind.
 */
export class MediaLibrary {
  private uploading = 0;

  constructor(
    private readonly repo: MediaStore,
    readonly settings: MediaSettings,
    private readonly log: Logger,
  ) {}

  get(id: string): Promise<MediaFile | undefined> {
    return this.repo.get(id);
  }

  list(): Promise<MediaFile[]> {
    return this.repo.list();
  }

  pathOf(file: MediaFile): string {
    return join(this.settings.dir, file.fileName);
  }

  /** Whether the file is still on disk (someone may have removed it by hand). */
  async present(file: MediaFile): Promise<boolean> {
    return stat(this.pathOf(file)).then((s) => s.isFile(), () => false);
  }

  /** Claims one of the concurrent upload slots; release it with the returned function. */
  claimUploadSlot(): () => void {
    if (this.uploading >= this.settings.maxConcurrentUploads) {
      throw new MediaError(429, "too_many_uploads", `${this.settings.maxConcurrentUploads} uploads are already in progress; try again when one has finished.`);
    }
    this.uploading++;
    let released = false;
    return () => {
      if (!released) this.uploading--;
      released = true;
    };
  }

  /** Writes `body` to disk, probes it, and records it; throws MediaError (and removes the file) if it is refused. */
  async receive(name: string, body: Readable): Promise<MediaFile> {
    await mkdir(this.settings.dir, { recursive: true, mode: 0o700 });
    const id = newMediaId();
    const partial = join(this.settings.dir, `${id}.part`);
    try {
      const counter = byteLimit(this.settings.maxBytes);
      await pipeline(body, counter, createWriteStream(partial, { flags: "wx", mode: 0o600 })).catch((err: NodeJS.ErrnoException) => {
        if (err instanceof MediaError || !INTERRUPTED.has(err.code ?? err.message)) throw err;
        throw new MediaError(400, "upload_interrupted", "The upload was cut off before the whole file arrived; send it again.");
      });
      if (counter.bytes === 0) throw new MediaError(400, "empty_file", "The file is empty; choose a video file to upload.");
      const info = await probeVideoFile(partial).catch((err: Error) => {
        throw new MediaError(422, "unreadable_media", `ffprobe cannot read this file (${err.message}); upload an MP4, MOV, MKV or FLV video.`);
      });
      const reason = unplayableReason(info);
      if (reason) throw new MediaError(422, "unplayable_media", `Prism cannot stream this file: ${reason}`, { container: info.formatName, video: info.video?.codec ?? null, audio: info.audio?.codec ?? null });
      const fileName = `${id}.${containerOf(info.formatName)}`;
      await rename(partial, join(this.settings.dir, fileName));
      const file = await this.repo.add({
        id,
        name: name.slice(0, MAX_NAME) || fileName,
        fileName,
        sizeBytes: counter.bytes,
        durationSec: Math.round(info.durationSec * 1000) / 1000,
        container: info.formatName,
        video: info.video!,
        audio: info.audio,
      });
      this.log.info({ mediaId: id, sizeBytes: file.sizeBytes, durationSec: file.durationSec }, "media file uploaded");
      return file;
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
  }

  /** Removes the record and the file; false if there was no such file. */
  async remove(id: string): Promise<boolean> {
    const file = await this.repo.get(id);
    if (!file || !(await this.repo.delete(id))) return false;
    await rm(this.pathOf(file), { force: true });
    this.log.info({ mediaId: id }, "media file deleted");
    return true;
  }
}
