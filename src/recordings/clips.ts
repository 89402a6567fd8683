import { createReadStream } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { Readable } from "node:stream";
import type { EventBus } from "../bus.js";
import type { Logger } from "../log.js";
import type { ClipRow, RecordingRow } from "../db/schema/index.js";
import type { RecordingsStore } from "../db/store.js";
import { cutClip, keyframeTimes, probeMedia, remuxToMp4 } from "../media/recording.js";
import type { RecordingFiles } from "./files.js";
import type { LiveSession } from "./live-recorder.js";
import { RecordingsError } from "./errors.js";

/** The longest clip: a copy is cheap, a precise clip re-encodes every second of it. */
export const MAX_CLIP_SEC = 1800;
export const MAX_PRECISE_CLIP_SEC = 300;
/** ffmpeg runs for clips at once; more are refused (429) rather than queued behind each other. */
const MAX_CLIP_JOBS = 2;
/** A clip may end this far past the recording's measured end (rounding of the last frame). */
const END_TOLERANCE_SEC = 0.05;

export interface ClipRequest {
  startSec: number;
  endSec: number;
  title?: string | undefined;
  precise?: boolean | undefined;
}

type Made = { file: string; startSec: number; requestedStartSec: number; precise: boolean };

/**
 * Clips of a finished recording (copied from the keyframe at or before the start, or re-encoded
 * from exactly the start) and of the live one ("clip that": the last N seconds already on disk).
 */
export class ClipMaker {
  private jobs = 0;

  constructor(
    private readonly repo: RecordingsStore,
    private readonly files: RecordingFiles,
    private readonly bus: EventBus,
    private readonly log: Logger,
    private readonly made: (kind: "copy" | "precise" | "live") => void,
  ) {}

  async fromRecording(row: RecordingRow, req: ClipRequest): Promise<ClipRow> {
    if (row.state !== "ready" || !row.mp4File || row.durationSec === null) {
      throw new RecordingsError("conflict", "recording_not_ready", `This recording is ${row.state}; clips are cut from a ready recording. While the stream is live, use POST /streams/${row.streamId}/clips { "lastSec": … }.`);
    }
    const precise = req.precise ?? false;
    checkRange(req, row.durationSec, precise);
    return this.job(row, req.title ?? null, precise ? "precise" : "copy", async (file) => {
      const input = this.files.path(row.mp4File!);
      const start = precise ? req.startSec : await keyframeAtOrBefore(input, req.startSec);
      // A hair past the keyframe's time, so rounding can never make ffmpeg seek to the one before it.
      await cutClip({ input, output: this.files.path(file), startSec: precise ? start : start + 0.001, durationSec: req.endSec - start, precise });
      return { file, startSec: start, requestedStartSec: req.startSec, precise };
    });
  }

  /** The last `lastSec` seconds of the live recording, from the keyframe at or before their start. */
  async fromLive(session: LiveSession, lastSec: number, title: string | null): Promise<ClipRow> {
    const slice = session.writer.liveSlice(lastSec);
    if (!slice) throw new RecordingsError("conflict", "nothing_recorded_yet", "Nothing of this session is on disk yet (the recording starts at the first keyframe); try again in a few seconds.");
    const row = await this.repo.get(session.recordingId);
    if (!row) throw new RecordingsError("not_found", "not_found", "The live recording was deleted.");
    return this.job(row, title, "live", async (file) => {
      const rawPath = this.files.path(row.rawFile);
      const body = Readable.from(
        (async function* () {
          yield slice.prefix;
          if (slice.end > slice.offset) yield* createReadStream(rawPath, { start: slice.offset, end: slice.end - 1 });
        })(),
      );
      await remuxToMp4(body, this.files.path(file));
      return { file, startSec: slice.startSec, requestedStartSec: Math.max(0, slice.endSec - lastSec), precise: false };
    });
  }

  private async job(row: RecordingRow, title: string | null, kind: "copy" | "precise" | "live", make: (file: string) => Promise<Made>): Promise<ClipRow> {
    if (this.jobs >= MAX_CLIP_JOBS) throw new RecordingsError("busy", "clips_busy", `${MAX_CLIP_JOBS} clips are being made already; try again when one is done.`);
    this.jobs++;
    let file: string | undefined;
    try {
      const id = await this.repo.newClipId();
      file = this.files.clip(id);
      await mkdir(dirname(this.files.path(file)), { recursive: true });
      const made = await make(file);
      const facts = await probeMedia(this.files.path(file));
      const sizeBytes = (await stat(this.files.path(file))).size;
      if (!(await this.repo.get(row.id))) {
        await this.files.remove(file);
        throw new RecordingsError("not_found", "not_found", "The recording was deleted while the clip was being made.");
      }
      const clip = await this.repo.addClip({
        id,
        recordingId: row.id,
        streamId: row.streamId,
        title,
        requestedStartSec: round3(made.requestedStartSec),
        startSec: round3(made.startSec),
        endSec: round3(made.startSec + facts.durationSec),
        durationSec: round3(facts.durationSec),
        precise: made.precise,
        file,
        sizeBytes,
        createdAt: Date.now(),
      });
      this.made(kind);
      this.log.info({ clipId: id, recordingId: row.id, kind, startSec: clip.startSec, durationSec: clip.durationSec }, "clip made");
      const { recordingId, streamId, startSec, endSec, durationSec } = clip;
      this.bus.emit("clip.ready", { clipId: id, recordingId, streamId, name: row.streamName, title, startSec, endSec, durationSec, sizeBytes, precise: clip.precise, at: new Date(clip.createdAt).toISOString() });
      return clip;
    } catch (err) {
      if (file) await this.files.remove(file).catch(() => {});
      if (err instanceof RecordingsError) throw err;
      throw new Error(`the clip could not be made: ${(err as Error).message}`, { cause: err });
    } finally {
      this.jobs--;
    }
  }
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

function checkRange({ startSec, endSec }: ClipRequest, durationSec: number, precise: boolean): void {
  const max = precise ? MAX_PRECISE_CLIP_SEC : MAX_CLIP_SEC;
  const invalid = (code: string, message: string) => new RecordingsError("invalid", code, message);
  if (endSec <= startSec) throw invalid("end_before_start", `endSec (${endSec}) must be after startSec (${startSec}).`);
  if (endSec - startSec > max) throw invalid("clip_too_long", `A ${precise ? "precise " : ""}clip may last at most ${max} s; this one would last ${endSec - startSec} s.`);
  if (startSec >= durationSec || endSec > durationSec + END_TOLERANCE_SEC) {
    throw invalid("outside_recording", `The recording lasts ${durationSec.toFixed(3)} s; a clip must lie within 0–${durationSec.toFixed(3)} s (asked ${startSec}–${endSec} s).`);
  }
}

/** The time of the last keyframe at or before `sec` (the first one if none is). */
async function keyframeAtOrBefore(file: string, sec: number): Promise<number> {
  const times = await keyframeTimes(file);
  return Math.max(0, times.findLast((t) => t <= sec + 0.0005) ?? times[0] ?? 0);
}
