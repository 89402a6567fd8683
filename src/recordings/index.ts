import { mkdirSync } from "node:fs";
import type { Registry } from "prom-client";
import type { EventBus } from "../bus.js";
import type { Logger } from "../log.js";
import type { ClipRow, MarkerRow, RecordingRow } from "../db/schema/index.js";
import type { RecordingSettings, RecordingSettingsPatch } from "../db/recordings-repo.js";
import type { RecordingsStore } from "../db/store.js";
import { RecordingFiles } from "./files.js";
import { RecordingArchive } from "./archive.js";
import { LiveRecorder, type HubSource, type LiveSession, type RecordingCluster } from "./live-recorder.js";
import { ClipMaker, type ClipRequest } from "./clips.js";
import { freeBytes, type FreeSpaceReader } from "./disk.js";
import { overLimits, streamLimits } from "./retention.js";
import { RecordingsError } from "./errors.js";
import { recordingMetrics, type RecordingMetrics } from "./metrics.js";

export { RecordingsError };
export { MAX_CLIP_SEC, MAX_PRECISE_CLIP_SEC } from "./clips.js";

export interface RecordingsOptions {
  dir: string;
  minFreeBytes: number;
  retainDays: number | null;
  maxBytes: number | null;
  queueLimitBytes: number;
  /** Free space of the recordings disk; a test may give its own reading. */
  freeSpace?: FreeSpaceReader | undefined;
  /** How often free space is checked and retention applied. */
  checkEveryMs?: number | undefined;
}

/** A recording as the API shows it: the stored row, with live figures while it is being recorded. */
export interface RecordingView {
  row: RecordingRow;
  durationSec: number | null;
  sizeBytes: number;
  paused: boolean;
  markers: MarkerRow[];
}

export interface StreamRecordingStatus {
  state: "off" | "idle" | "recording" | "paused";
  recordingId: string | null;
  bytesWritten: number;
  durationSec: number | null;
  warnings: string[];
}

/** What the API and dashboard use. */
export interface RecordingsApi {
  settings(streamId: string): Promise<RecordingSettings>;
  updateSettings(streamId: string, patch: RecordingSettingsPatch): Promise<RecordingSettings>;
  list(streamId: string): Promise<RecordingView[]>;
  get(recordingId: string): Promise<RecordingView | undefined>;
  /** The MP4 to download; undefined when there is none (not ready, or deleted). */
  mp4Path(recordingId: string): Promise<{ path: string; row: RecordingRow } | undefined>;
  delete(recordingId: string): Promise<boolean>;
  clip(recordingId: string, req: ClipRequest): Promise<ClipRow>;
  liveClip(streamId: string, lastSec: number, title: string | null): Promise<ClipRow>;
  marker(streamId: string, label: string | null): Promise<MarkerRow>;
  clips(recordingId: string): Promise<ClipRow[]>;
  clipById(clipId: string): Promise<ClipRow | undefined>;
  clipPath(clipId: string): Promise<{ path: string; clip: ClipRow } | undefined>;
  deleteClip(clipId: string): Promise<boolean>;
  status(streamId: string): Promise<StreamRecordingStatus>;
}

const DEFAULT_CHECK_MS = 5_000;

/**
 * Recordings of broadcast sessions (issue #16): the live recorder, the archive that finalizes and
 * repairs, clips, markers, the free-space floor and retention.
 */
export function createRecordings(deps: { store: { recordings: RecordingsStore }; bus: EventBus; hubs: HubSource; options: RecordingsOptions; log: Logger; cluster?: RecordingCluster | undefined }) {
  const { bus, options, log } = deps;
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const repo = deps.store.recordings;
  const files = new RecordingFiles(options.dir);
  const archive = new RecordingArchive(repo, files, bus, log);
  const readFree = options.freeSpace ?? freeBytes;
  let metrics: RecordingMetrics | null = null;
  let lastFree: number | null = null;
  let lowDiskReason: string | null = null;
  const pending = new Set<Promise<unknown>>();
  let stopping = false;
  const deletedStreams = new Set<string>();
  const track = <T>(p: Promise<T>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p)).catch(() => {});
    return p;
  };

  const recorder = new LiveRecorder(repo, files, deps.hubs, bus, { queueLimitBytes: options.queueLimitBytes }, {
    written: (session, bytes) => metrics?.written(session, bytes),
    ended: (session, endedAt) => {
      if (stopping) {
        // Shutting down: the FLV is closed and the MP4 is made at the next start, so stopping stays quick.
        track(session.writer.finish().catch(() => {}).then(() => repo.update(session.recordingId, { state: "finalizing", endedAt })));
        return;
      }
      track(
        session.writer
          .finish()
          .catch((err: unknown) => log.error({ err, recordingId: session.recordingId }, "the recording's file could not be closed cleanly"))
          .then(() => archive.finalize(session.recordingId, endedAt))
          .then(async (row) => {
            // The stream was deleted while live (which ended the session): its recording goes with it.
            if (row && deletedStreams.has(row.streamId)) await archive.remove(row);
          })
          .then(() => applyRetention())
          .catch((err: unknown) => log.error({ err, recordingId: session.recordingId }, "finalizing the recording failed")),
      );
    },
  }, log, deps.cluster);
  const clipMaker = new ClipMaker(repo, files, bus, log, (kind) => metrics?.clipMade(kind));

  /** Pauses every live recording while free space is below the floor, resumes them once it is back. */
  async function checkDisk(): Promise<void> {
    try {
      lastFree = await readFree(options.dir);
    } catch (err) {
      log.warn({ err }, "could not read the recordings disk's free space");
      return;
    }
    const low = lastFree < options.minFreeBytes;
    if (low && !lowDiskReason) {
      lowDiskReason = `Recording is paused: the recordings disk has ${mib(lastFree)} MiB free, below PRISM_RECORDINGS_MIN_FREE_MB (${mib(options.minFreeBytes)} MiB). Relaying goes on; free some space (or delete recordings) and recording resumes.`;
      log.warn({ freeBytes: lastFree, minFreeBytes: options.minFreeBytes }, "recordings disk nearly full: recording paused");
    } else if (!low && lowDiskReason) {
      lowDiskReason = null;
      log.info({ freeBytes: lastFree }, "recordings disk has room again: recording resumes");
    }
    recorder.paused = low;
    for (const s of recorder.sessions()) {
      if (low && !s.writer.isPaused) {
        s.writer.pause();
        bus.emit("recording.paused", { streamId: s.streamId, sessionId: s.sessionId, recordingId: s.recordingId, name: s.name, reason: lowDiskReason!, freeBytes: lastFree, at: new Date().toISOString() });
      } else if (!low && s.writer.isPaused) {
        s.writer.resume();
        bus.emit("recording.resumed", { streamId: s.streamId, sessionId: s.sessionId, recordingId: s.recordingId, name: s.name, at: new Date().toISOString() });
      }
    }
  }

  let retaining: Promise<void> | null = null;
  /** Deletes what a stream's own limits and then the global ones leave no room for, oldest first; one run at a time. */
  function applyRetention(): Promise<void> {
    // Cleared in a later tick (finally), so a run that had nothing to delete cannot leave itself behind.
    retaining ??= deleteOverLimits().finally(() => {
      retaining = null;
    });
    return retaining;
  }
  async function deleteOverLimits(): Promise<void> {
    const all = await repo.listAll();
    // Read once per run: the limits below weigh each recording with its clips, synchronously.
    const footprints = new Map<RecordingRow, number>();
    for (const r of all) footprints.set(r, await archive.footprint(r));
    const footprint = (x: RecordingRow) => footprints.get(x) ?? x.sizeBytes;
    const doomed = new Set<RecordingRow>();
    for (const streamId of new Set(all.map((r) => r.streamId))) {
      for (const r of overLimits(all.filter((x) => x.streamId === streamId), streamLimits(await repo.settings(streamId)), footprint)) doomed.add(r);
    }
    const rest = all.filter((r) => !doomed.has(r));
    for (const r of overLimits(rest, { days: options.retainDays, maxBytes: options.maxBytes }, footprint)) doomed.add(r);
    for (const r of doomed) {
      log.info({ recordingId: r.id, stream: r.streamName, startedAt: new Date(r.startedAt).toISOString() }, "retention: recording deleted");
      await archive.remove(r);
    }
  }

  const view = async (row: RecordingRow): Promise<RecordingView> => {
    const live = recorder.session(row.streamId);
    const isLive = live?.recordingId === row.id;
    return {
      row,
      durationSec: isLive ? live!.writer.durationSec : row.durationSec,
      sizeBytes: isLive ? live!.writer.bytes : row.sizeBytes,
      paused: isLive ? live!.writer.isPaused : false,
      markers: await repo.markers(row.id),
    };
  };
  const liveSession = (streamId: string): LiveSession => {
    const session = recorder.session(streamId);
    if (!session) throw new RecordingsError("conflict", "not_recording", "This stream is not being recorded right now: it must be live with recording enabled (PATCH /streams/:id { \"recording\": { \"enabled\": true } } before going live).");
    return session;
  };

  const api: RecordingsApi = {
    settings: (streamId) => repo.settings(streamId),
    updateSettings: async (streamId, patch) => {
      const next = await repo.updateSettings(streamId, patch);
      if (patch.retention) void track(applyRetention()).catch((err: unknown) => log.error({ err }, "retention failed"));
      return next;
    },
    list: async (streamId) => Promise.all((await repo.listByStream(streamId)).map(view)),
    get: async (id) => {
      const row = await repo.get(id);
      return row && view(row);
    },
    mp4Path: async (id) => {
      const row = await repo.get(id);
      return row?.state === "ready" && row.mp4File ? { path: files.path(row.mp4File), row } : undefined;
    },
    delete: async (id) => {
      const row = await repo.get(id);
      if (!row) return false;
      if (row.state === "recording" || row.state === "finalizing") {
        throw new RecordingsError("conflict", "recording_in_progress", `This recording is ${row.state === "recording" ? "still being recorded" : "being finalized"}; delete it once it is ready.`);
      }
      await archive.remove(row);
      return true;
    },
    clip: async (id, req) => {
      const row = await repo.get(id);
      if (!row) throw new RecordingsError("not_found", "not_found", "Recording not found.");
      return clipMaker.fromRecording(row, req);
    },
    liveClip: (streamId, lastSec, title) => clipMaker.fromLive(liveSession(streamId), lastSec, title),
    marker: async (streamId, label) => {
      const session = liveSession(streamId);
      const sec = session.writer.durationSec;
      // After a takeover on a shared disk this node's part follows the earlier ones in the finished recording.
      return repo.addMarker(session.recordingId, Math.round(((await session.offsetSec) + sec) * 1000) / 1000, label);
    },
    clips: (id) => repo.clipsOf(id),
    clipById: (id) => repo.clip(id),
    clipPath: async (id) => {
      const clip = await repo.clip(id);
      return clip && { path: files.path(clip.file), clip };
    },
    deleteClip: async (id) => {
      const clip = await repo.clip(id);
      if (!clip) return false;
      await repo.deleteClip(id);
      await files.remove(clip.file);
      return true;
    },
    status: async (streamId) => {
      const settings = await repo.settings(streamId);
      const session = recorder.session(streamId);
      if (!session) return { state: settings.enabled ? "idle" : "off", recordingId: null, bytesWritten: 0, durationSec: null, warnings: settings.enabled && lowDiskReason ? [lowDiskReason] : [] };
      const paused = session.writer.isPaused;
      return {
        state: paused ? "paused" : "recording",
        recordingId: session.recordingId,
        bytesWritten: session.writer.bytes,
        durationSec: session.writer.durationSec,
        warnings: paused && lowDiskReason ? [lowDiskReason] : [],
      };
    },
  };

  let timer: NodeJS.Timeout | null = null;
  let unsubscribe: (() => void) | null = null;
  return {
    api,
    /** Before the relay starts, so no stream.started is missed; repairs what a crash left unfinished meanwhile. */
    async start(): Promise<void> {
      recorder.start();
      unsubscribe = bus.on("config.stream", ({ streamId, change }) => {
        if (change !== "deleted") return;
        deletedStreams.add(streamId);
        void track(
          (async () => {
            await repo.deleteSettings(streamId);
            for (const r of await repo.listByStream(streamId)) if (r.state === "ready" || r.state === "failed") await archive.remove(r);
          })(),
        ).catch((err: unknown) => log.error({ err, streamId }, "could not delete the deleted stream's recordings"));
      });
      await checkDisk();
      track(archive.repairUnfinished(deps.cluster && leftToOtherNodes(deps.cluster)).then(() => applyRetention()).catch((err: unknown) => log.error({ err }, "repairing unfinished recordings failed")));
      timer = setInterval(() => {
        void checkDisk();
        void track(applyRetention().catch((err: unknown) => log.error({ err }, "retention failed")));
      }, options.checkEveryMs ?? DEFAULT_CHECK_MS);
      timer.unref();
    },
    instrument(registry: Registry): void {
      metrics = recordingMetrics(registry, { sessions: () => recorder.sessions(), freeBytes: () => lastFree });
    },
    /** Live recordings are closed and finalized (the MP4 is made before the process exits). */
    async stop(): Promise<void> {
      stopping = true;
      if (timer) clearInterval(timer);
      unsubscribe?.();
      recorder.stop();
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}

export type Recordings = ReturnType<typeof createRecordings>;

/**
 * In a cluster, what the start-up repair leaves alone: a recording whose stream another node has live (it may be
 * writing it), and one whose file is not on this node's disk (each node records to its own; that node repairs it).
 */
function leftToOtherNodes(cluster: RecordingCluster) {
  return async (row: RecordingRow, fileHere: boolean): Promise<string | null> => {
    try {
      if (await cluster.liveElsewhere(row.streamId)) return "its stream is live on another node";
    } catch {
      return "nobody can tell now whether its stream is live on another node";
    }
    return fileHere ? null : "its file is not on this node's disk (the node that recorded it finishes it when it starts)";
  };
}

const mib = (bytes: number) => Math.floor(bytes / (1024 * 1024));
