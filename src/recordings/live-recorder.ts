import type { EventBus } from "../bus.js";
import type { Logger } from "../log.js";
import type { StreamHub } from "../relay/hub.js";
import type { RecordingsRepo } from "../db/recordings-repo.js";
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

/** How often a recording that drops frames for a slow disk says so in the log, at most. */
const DROP_LOG_INTERVAL_MS = 10_000;

/**
 * Starts a recording when a stream whose recording is enabled goes live (one per broadcast
 * session) and closes it when the session ends. Writing is the FlvRecording's business.
 */
export class LiveRecorder {
  private readonly live = new Map<string, LiveSession>();
  private readonly unsubscribe: Array<() => void> = [];
  /** While free disk is below the floor, new sessions start paused too. */
  paused = false;

  constructor(
    private readonly repo: RecordingsRepo,
    private readonly files: RecordingFiles,
    private readonly hubs: HubSource,
    private readonly bus: EventBus,
    private readonly options: { queueLimitBytes: number },
    private readonly hooks: LiveRecorderHooks,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.unsubscribe.push(
      this.bus.on("stream.started", (e) => this.begin(e.streamId, e.sessionId, e.name, Date.parse(e.at))),
      this.bus.on("stream.ended", (e) => this.end(e.streamId, e.sessionId, Date.parse(e.at))),
    );
  }

  /** Closes every live recording as if its session ended (shutdown). */
  stop(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    for (const s of [...this.live.values()]) this.end(s.streamId, s.sessionId, Date.now());
  }

  session(streamId: string): LiveSession | undefined {
    return this.live.get(streamId);
  }

  sessions(): LiveSession[] {
    return [...this.live.values()];
  }

  private begin(streamId: string, sessionId: string, name: string, startedAt: number): void {
    const settings = this.repo.settings(streamId);
    const hub = this.hubs.hubOf(streamId);
    if (!settings.enabled || !hub) return;
    const id = this.repo.newRecordingId();
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
    this.repo.create({ id, streamId, sessionId, streamName: name, rawFile, startedAt, includeSlate: settings.includeSlate });
    session = { streamId, sessionId, recordingId: id, name, hub, writer };
    if (this.paused) writer.pause();
    this.live.set(streamId, session);
    hub.attach(writer);
    this.log.info({ stream: name, recordingId: id, includeSlate: settings.includeSlate }, "recording started");
  }

  private end(streamId: string, sessionId: string, endedAt: number): void {
    const session = this.live.get(streamId);
    if (!session || session.sessionId !== sessionId) return;
    this.live.delete(streamId);
    session.hub.detach(session.writer);
    this.hooks.ended(session, endedAt);
  }
}
