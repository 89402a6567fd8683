import { access, constants } from "node:fs/promises";
import { localEvents, type EventBus } from "../bus.js";
import type { Logger } from "../log.js";
import type { StreamHub } from "../relay/hub.js";
import type { RecordingsStore } from "../db/store.js";
import type { RecordingFiles } from "./files.js";
import { FlvRecording } from "./flv-recording.js";
import { wholeTags } from "./flv-readable.js";
import { MAX_RECORDING_PARTS, rawParts } from "./parts.js";

/** The relay as the recorder needs it: the live hub of a stream, to read it like a destination. */
export interface HubSource {
  hubOf(streamId: string): StreamHub | null;
}

export interface LiveSession {
  streamId: string;
  sessionId: string;
  recordingId: string;
  name: string;
  hub: StreamHub;
  writer: FlvRecording;
  /**
   * Where this node's part begins in the finished recording: 0, or (a takeover on a shared data directory) how long
   * the earlier parts it will be joined after are. Never rejects.
   */
  offsetSec: Promise<number>;
}

export interface LiveRecorderHooks {
  written(session: LiveSession, bytes: number): void;
  ended(session: LiveSession, endedAt: number): void;
}

/** What a node of a cluster tells the recorder (absent on a single Prism). */
export interface RecordingCluster {
  /** The node this session's stream was taken over from (it died mid-session): the session goes on here. */
  takenOver(sessionId: string): { fromNode: string } | undefined;
  /** Whether another live node owns the stream now: its unfinished recording is being written there. */
  liveElsewhere(streamId: string): Promise<boolean>;
}

/** How often a recording that drops frames for a slow disk says so in the log, at most. */
const DROP_LOG_INTERVAL_MS = 10_000;

/**
 * Starts a recording when a stream whose recording is enabled goes live (one per broadcast
 * session) and closes it when the session ends. Writing is the FlvRecording's business.
 */
export class LiveRecorder {
  private readonly live = new Map<string, LiveSession>();
  /** Sessions whose recording is being set up (the store is asked first); an end meanwhile is noted here. */
  private readonly starting = new Map<string, { sessionId: string; endedAt: number | null }>();
  private readonly unsubscribe: Array<() => void> = [];
  /** While free disk is below the floor, new sessions start paused too. */
  paused = false;

  constructor(
    private readonly repo: RecordingsStore,
    private readonly files: RecordingFiles,
    private readonly hubs: HubSource,
    private readonly bus: EventBus,
    private readonly options: { queueLimitBytes: number },
    private readonly hooks: LiveRecorderHooks,
    private readonly log: Logger,
    private readonly cluster?: RecordingCluster,
  ) {}

  start(): void {
    // Recorded on the node that has the stream's hub: the owner.
    const bus = localEvents(this.bus);
    this.unsubscribe.push(
      bus.on("stream.started", (e) => {
        void this.begin(e.streamId, e.sessionId, e.name, Date.parse(e.at)).catch((err: unknown) => this.log.error({ err, stream: e.name }, "could not start recording"));
      }),
      bus.on("stream.ended", (e) => this.end(e.streamId, e.sessionId, Date.parse(e.at))),
    );
  }

  /** Closes every live recording as if its session ended (shutdown). */
  stop(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    for (const pending of this.starting.values()) pending.endedAt ??= Date.now();
    for (const s of [...this.live.values()]) this.end(s.streamId, s.sessionId, Date.now());
  }

  session(streamId: string): LiveSession | undefined {
    return this.live.get(streamId);
  }

  sessions(): LiveSession[] {
    return [...this.live.values()];
  }

  private async begin(streamId: string, sessionId: string, name: string, startedAt: number): Promise<void> {
    const pending = { sessionId, endedAt: null as number | null };
    this.starting.set(streamId, pending);
    try {
      await this.record(streamId, sessionId, name, startedAt, pending);
    } finally {
      if (this.starting.get(streamId) === pending) this.starting.delete(streamId);
    }
  }

  private async record(streamId: string, sessionId: string, name: string, startedAt: number, pending: { endedAt: number | null }): Promise<void> {
    const [settings, row] = await Promise.all([this.repo.settings(streamId), this.rowFor(streamId, sessionId, startedAt)]);
    const hub = this.hubs.hubOf(streamId);
    if (!settings.enabled || !hub || !row || pending.endedAt !== null) return;
    const { id, rawFile } = row;
    let lastDropLog = 0;
    let session: LiveSession;
    let writer: FlvRecording;
    try {
      writer = new FlvRecording({
        file: this.files.path(rawFile),
        includeSlate: settings.includeSlate,
        source: () => hub.onAir,
        queueLimitBytes: this.options.queueLimitBytes,
        written: (bytes) => this.hooks.written(session, bytes),
        dropped: (reason) => {
          if (Date.now() - lastDropLog < DROP_LOG_INTERVAL_MS) return;
          lastDropLog = Date.now();
          this.log.warn({ stream: name, recordingId: id, reason, droppedFrames: writer.droppedFrames }, "recording drops frames");
        },
      });
    } catch (err) {
      this.log.error({ err, stream: name }, "could not start recording: the recordings directory is not writable");
      return;
    }
    try {
      if (row.continues) await this.repo.update(id, { state: "recording", rawFile, startedAt: row.continues.startedAt, endedAt: null, includeSlate: settings.includeSlate, note: row.continues.note });
      else await this.repo.create({ id, streamId, sessionId, streamName: name, rawFile, startedAt, includeSlate: settings.includeSlate });
    } catch (err) {
      await writer.finish().catch(() => {});
      throw err;
    }
    session = { streamId, sessionId, recordingId: id, name, hub, writer, offsetSec: row.continues?.offsetSec ?? Promise.resolve(0) };
    if (this.paused) writer.pause();
    this.live.set(streamId, session);
    // Codec headers and the current GOP first: on a networked store (PostgreSQL) the row above is written while
    // media already flows, and a recording without the headers cannot become an MP4. On SQLite the hub is still empty.
    for (const frame of hub.catchUp()) writer.frame(frame);
    hub.attach(writer);
    this.log.info({ stream: name, recordingId: id, includeSlate: settings.includeSlate }, "recording started");
    // The session ended while its row was being written: closed at once, like any ended session.
    if (pending.endedAt !== null) this.end(streamId, sessionId, pending.endedAt);
  }

  /**
   * The session's recording row: a new one, or (a stream taken over from a node that died) the one the dead node
   * began, which goes on here in a file of its own on this node's disk (one recording per session; the note says
   * where the earlier part is). undefined: the session's recording was already finished elsewhere.
   */
  private async rowFor(streamId: string, sessionId: string, startedAt: number): Promise<{ id: string; rawFile: string; continues?: { note: string; startedAt: number; offsetSec?: Promise<number> } } | undefined> {
    const takeover = this.cluster?.takenOver(sessionId);
    const earlier = takeover ? (await this.repo.listByStream(streamId)).find((r) => r.sessionId === sessionId) : undefined;
    if (!takeover || !earlier) {
      const id = await this.repo.newRecordingId();
      return { id, rawFile: this.files.raw(id) };
    }
    if (earlier.state !== "recording") {
      this.log.warn({ recordingId: earlier.id, state: earlier.state }, "not recording a stream taken over: its session's recording was already finished");
      return undefined;
    }
    const rawFile = this.files.continuation(earlier.id, startedAt);
    // A shared data directory (the documented cluster layout): the earlier part is here and is joined at the finish.
    if (await readable(this.files.path(earlier.rawFile))) {
      const offsetSec = this.earlierPartsSec(earlier.id, rawFile);
      return { id: earlier.id, rawFile, continues: { startedAt: earlier.startedAt, note: joinedTakeoverNote(takeover.fromNode, startedAt), offsetSec } };
    }
    return { id: earlier.id, rawFile, continues: { startedAt, note: takeoverNote(takeover.fromNode, earlier, startedAt) } };
  }

  /** How long the parts before `current` are (their last whole tags' times), read in the background; 0 if unreadable. */
  private async earlierPartsSec(recordingId: string, current: string): Promise<number> {
    try {
      const parts = (await rawParts(this.files, recordingId, current)).filter((p) => p.file !== current).slice(-(MAX_RECORDING_PARTS - 1));
      let sec = 0;
      for (const part of parts) sec += (await wholeTags(this.files.path(part.file))).lastMs / 1000;
      return sec;
    } catch (err) {
      this.log.warn({ err, recordingId }, "could not read how long the earlier parts of a recording taken over are");
      return 0;
    }
  }

  private end(streamId: string, sessionId: string, endedAt: number): void {
    const pending = this.starting.get(streamId);
    if (pending?.sessionId === sessionId) pending.endedAt ??= endedAt;
    const session = this.live.get(streamId);
    if (!session || session.sessionId !== sessionId) return;
    this.live.delete(streamId);
    session.hub.detach(session.writer);
    this.hooks.ended(session, endedAt);
  }
}

/** The note of a recording that goes on after its session's stream was taken over from a node that died. */
export function takeoverNote(fromNode: string, earlier: { rawFile: string; startedAt: number }, startedAt: number): string {
  const since = new Date(startedAt).toISOString();
  return (
    `Recorded from ${since} by the node that took the stream over after node ${fromNode} stopped answering mid-session. ` +
    `The part before (from ${new Date(earlier.startedAt).toISOString()}) is not in this recording: each node records to its own disk, and it stays on node ${fromNode}'s as ${earlier.rawFile}. ` +
    `Nothing was recorded between node ${fromNode}'s last frame and ${since}.`
  );
}

/** The note of a recording going on after a takeover whose earlier part is on this node's disk too (to be joined). */
export function joinedTakeoverNote(fromNode: string, startedAt: number): string {
  return `Node ${fromNode} stopped answering mid-session; the node that took the stream over recorded it from ${new Date(startedAt).toISOString()}.`;
}

const readable = (file: string) =>
  access(file, constants.R_OK).then(
    () => true,
    () => false,
  );
