import { rename, stat } from "node:fs/promises";
import type { EventBus, RecordingPayload } from "../bus.js";
import type { Logger } from "../log.js";
import type { RecordingRow } from "../db/schema/index.js";
import type { RecordingsStore } from "../db/store.js";
import { probeMedia, type MediaFacts } from "../media/recording.js";
import { EMPTY_FLV_BYTES, remuxWholeTags } from "./flv-readable.js";
import type { RecordingFiles } from "./files.js";
import { firstLine } from "./errors.js";
import { joinParts, rawParts, type JoinedRecording, type PartJoin } from "./parts.js";

/**
 * Finished recordings: the crash-safe FLV turned into a faststart MP4 (no re-encoding), a session
 * left unfinished by a crash repaired the same way at start, and files removed with their rows.
 * Remuxes run one at a time: a few sessions ending together wait seconds, not the disk.
 */
export class RecordingArchive {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly repo: RecordingsStore,
    private readonly files: RecordingFiles,
    private readonly bus: EventBus,
    private readonly log: Logger,
  ) {}

  /** Serialises `job` behind the other remuxes. */
  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const next = this.queue.then(job, job);
    this.queue = next.catch(() => {});
    return next;
  }

  /** The session ended and its FLV is closed: make the MP4. */
  async finalize(recordingId: string, endedAt: number): Promise<RecordingRow | undefined> {
    await this.repo.update(recordingId, { state: "finalizing", endedAt });
    return this.enqueue(() => this.makeMp4(recordingId, false));
  }

  /**
   * Every recording a crash left as recording or finalizing: remuxed from what reached the disk, or failed with why.
   * `leaveAlone` (a cluster): recordings another node is writing, or whose file is on another node's disk.
   */
  async repairUnfinished(leaveAlone?: (row: RecordingRow, fileHere: boolean) => Promise<string | null>): Promise<void> {
    for (const row of await this.repo.unfinished()) {
      const raw = await stat(this.files.path(row.rawFile)).catch(() => null);
      const why = leaveAlone ? await leaveAlone(row, raw !== null) : null;
      if (why) {
        this.log.info({ recordingId: row.id, stream: row.streamName, why }, "leaving an unfinished recording alone");
        continue;
      }
      await this.repo.update(row.id, { state: "finalizing", endedAt: row.endedAt ?? (raw ? Math.round(raw.mtimeMs) : row.startedAt) });
      // "recording": Prism died mid-session; "finalizing": it stopped (or died) before the MP4 was made.
      const crashed = row.state === "recording";
      this.log.warn({ recordingId: row.id, stream: row.streamName, crashed }, "finishing a recording left unfinished when Prism stopped");
      await this.enqueue(() => this.makeMp4(row.id, crashed));
    }
  }

  private async makeMp4(recordingId: string, repaired: boolean): Promise<RecordingRow | undefined> {
    const row = await this.repo.get(recordingId);
    if (!row) return undefined; // deleted meanwhile
    // A session taken over from a node that died (the row names a later part), the earlier parts readable here (a
    // shared data directory): one MP4 of all. A recording of one node's is its one file: no directory listing.
    const parts = row.rawFile === this.files.raw(row.id) ? [] : await rawParts(this.files, row.id, row.rawFile);
    const joining = parts.length > 1 && parts.at(-1)!.file === row.rawFile;
    const raw = await stat(this.files.path(row.rawFile)).catch(() => null);
    if (!joining && (!raw || raw.size <= EMPTY_FLV_BYTES)) {
      const reason = repaired
        ? "Prism stopped before anything of this session reached the disk."
        : raw
          ? "Nothing was recorded: no media arrived while recording was on (or the disk was too full the whole time)."
          : "The recording's file is missing from the recordings directory.";
      return this.fail(row, reason, repaired);
    }
    const mp4 = this.files.mp4(row.id);
    const partial = `${this.files.path(mp4)}.part.mp4`;
    try {
      let facts: MediaFacts;
      let joined: JoinedRecording | null = null;
      if (joining) {
        joined = await joinParts(this.files, row.id, parts, partial);
        facts = joined.facts;
      } else {
        await remuxWholeTags(this.files.path(row.rawFile), partial);
        facts = await probeMedia(partial);
      }
      if (facts.durationSec <= 0) throw new Error("the MP4 holds no media");
      await rename(partial, this.files.path(mp4));
      const size = (await stat(this.files.path(mp4))).size;
      if (!(await this.repo.get(row.id))) {
        await this.files.remove(mp4); // deleted while it was being made
        return undefined;
      }
      if (joined) await this.markJoins(row.id, joined.joins);
      const ready = (await this.repo.update(row.id, {
        state: "ready",
        mp4File: mp4,
        sizeBytes: size,
        durationSec: facts.durationSec,
        videoCodec: facts.videoCodec,
        audioCodec: facts.audioCodec,
        width: facts.width,
        height: facts.height,
        // A takeover's note (which part of the session this is) stays; a join and a repair add their own.
        note: [row.note, joined ? joinedNote(joined) : null, repaired ? "Repaired at start: Prism stopped during this session; it is recorded up to that moment." : null].filter(Boolean).join(" ") || null,
      }))!;
      this.log.info({ recordingId: row.id, stream: row.streamName, durationSec: facts.durationSec, sizeBytes: size, repaired, parts: joined?.joined.length }, "recording ready");
      this.bus.emit("recording.ready", this.payload(ready, repaired));
      for (const file of joined?.joined ?? [row.rawFile]) await this.files.remove(file);
      return ready;
    } catch (err) {
      await this.files.remove(`${mp4}.part.mp4`).catch(() => {});
      const kept = joining ? `its raw parts are kept as ${parts.map((p) => p.file).join(", ")}` : `its raw FLV is kept as ${row.rawFile}`;
      const reason = `Could not turn the recording into an MP4 (${firstLine((err as Error).message)}); ${kept} in the recordings directory.`;
      return this.fail(row, reason, repaired);
    }
  }

  /** A marker at each join of a recording's parts (once: a repair that makes the MP4 again adds none twice). */
  private async markJoins(recordingId: string, joins: PartJoin[]): Promise<void> {
    const existing = await this.repo.markers(recordingId);
    for (const join of joins) {
      const label = joinLabel(join);
      if (!existing.some((m) => m.label === label && Math.abs(m.atSec - join.atSec) < 0.001)) await this.repo.addMarker(recordingId, join.atSec, label);
    }
  }

  private async fail(row: RecordingRow, reason: string, repaired: boolean): Promise<RecordingRow | undefined> {
    const failed = await this.repo.update(row.id, { state: "failed", note: reason });
    this.log.warn({ recordingId: row.id, stream: row.streamName, reason }, "recording failed");
    if (failed) this.bus.emit("recording.failed", { ...this.payload(failed, repaired), reason });
    return failed;
  }

  payload(row: RecordingRow, repaired: boolean): RecordingPayload {
    return {
      recordingId: row.id,
      streamId: row.streamId,
      sessionId: row.sessionId,
      name: row.streamName,
      startedAt: new Date(row.startedAt).toISOString(),
      endedAt: row.endedAt === null ? null : new Date(row.endedAt).toISOString(),
      durationSec: row.durationSec,
      sizeBytes: row.sizeBytes,
      repaired,
      at: new Date().toISOString(),
    };
  }

  /** The recording's files (MP4, raw FLV, its clips) and then its rows. */
  async remove(row: RecordingRow): Promise<void> {
    const clipFiles = (await this.repo.clipsOf(row.id)).map((c) => c.file);
    await this.repo.delete(row.id);
    for (const name of [row.mp4File, row.rawFile, ...clipFiles]) await this.files.remove(name);
  }

  /** Bytes a recording takes with its clips. */
  async footprint(row: RecordingRow): Promise<number> {
    return row.sizeBytes + (await this.repo.clipsOf(row.id)).reduce((sum, c) => sum + c.sizeBytes, 0);
  }
}


const seconds = (sec: number) => `${Math.round(sec * 10) / 10} s`;

/** The marker at a join: what a viewer skipping through sees there. */
export function joinLabel(join: PartJoin): string {
  return join.gapSec === null ? "Taken over by another node: a gap not recorded" : `Taken over by another node: ${seconds(join.gapSec)} not recorded`;
}

/** What the note says of a recording joined from parts: each join, its gap, and any part left out. */
export function joinedNote(joined: JoinedRecording): string {
  const joins = joined.joins.map(
    (j) =>
      `The part recorded before the takeover (${j.from}) and the one after it (${j.to}) are joined in this file at ${seconds(j.atSec)} (a marker is there); ` +
      (j.gapSec === null ? "the time between them was not recorded." : `the ${seconds(j.gapSec)} between the earlier part's last frame and the takeover were not recorded and are not in the file.`),
  );
  const leftOut = joined.leftOut.map((p) => `The part ${p.file} is not in this file: ${p.why}; its raw FLV is kept in the recordings directory.`);
  return [...joins, ...leftOut].join(" ");
}
