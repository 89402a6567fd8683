import { localEvents, type EventBus } from "../bus.js";
import type { Logger } from "../log.js";
import type { StreamHub } from "../relay/hub.js";
import type { RecordingsStore } from "../db/store.js";
import type { RecordingFiles } from "./files.js";
import { FlvRecording } from "./flv-recording.js";

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
    const [settings, id] = await Promise.all([this.repo.settings(streamId), this.repo.newRecordingId()]);
    const hub = this.hubs.hubOf(streamId);
    if (!settings.enabled || !hub || pending.endedAt !== null) return;
    const rawFile = this.files.raw(id);
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
      await this.repo.create({ id, streamId, sessionId, streamName: name, rawFile, startedAt, includeSlate: settings.includeSlate });
    } catch (err) {
      await writer.finish().catch(() => {});
      throw err;
    }
    session = { streamId, sessionId, recordingId: id, name, hub, writer };
    if (this.paused) writer.pause();
    this.live.set(streamId, session);
    // Codec headers and the current GOP first: on a networked store (PostgreSQL) the row above is written while
    // media already flows, and a recording without the headers cannot become an MP4. On SQLite the hub is still empty.
    for (const frame of hub.catchUp()) writer.frame(frame);
    hub.attach(writer);
    this.log.info({ stream: name, recordingId: id, includeSlate: settings.includeSlate }, "recording started");
    const takeover = this.cluster?.takenOver(sessionId);
    if (takeover) await this.noteTakeover(id, streamId, sessionId, takeover.fromNode, startedAt);
    // The session ended while its row was being written: closed at once, like any ended session.
    if (pending.endedAt !== null) this.end(streamId, sessionId, pending.endedAt);
  }

  /**
   * A recording is a file on its node's disk: the part the dead node recorded stays there (made ready when that node
   * starts again). This part names it, and the gap between them, in its note.
   */
  private async noteTakeover(recordingId: string, streamId: string, sessionId: string, fromNode: string, startedAt: number): Promise<void> {
    try {
      const earlier = (await this.repo.listByStream(streamId)).filter((r) => r.sessionId === sessionId && r.id !== recordingId);
      await this.repo.update(recordingId, { note: takeoverNote(fromNode, earlier, startedAt) });
    } catch (err) {
      this.log.warn({ err, recordingId }, "could not note the takeover on the recording");
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

/** The note of a recording that continues a session another node began (and recorded on its own disk). */
export function takeoverNote(fromNode: string, earlier: Array<{ id: string; endedAt: number | null }>, startedAt: number): string {
  const since = new Date(startedAt).toISOString();
  if (earlier.length === 0) return `Part of a session that began on node ${fromNode}, which stopped answering; this node took the stream over and recorded it from ${since}. Nothing of the earlier part was recorded.`;
  const parts = earlier.map((r) => r.id).join(", ");
  const lastEnd = Math.max(...earlier.map((r) => r.endedAt ?? 0));
  const gap = lastEnd > 0 ? ` The stream was not recorded from ${new Date(lastEnd).toISOString()} to ${since} (${Math.round((startedAt - lastEnd) / 100) / 10} s).` : ` The stream was not recorded between the end of that part (node ${fromNode} stopped) and ${since}.`;
  return `Part ${earlier.length + 1} of this session: it began on node ${fromNode}, which stopped answering, and this node took the stream over and recorded it from ${since}. The earlier part is ${parts}, on node ${fromNode}'s disk (made ready there when that node starts again).${gap}`;
}
