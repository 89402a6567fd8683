import type { EventBus } from "../bus.js";
import type { Logger } from "../log.js";
import type { BroadcastSessionsRepo, StoredSession } from "../db/broadcast-sessions-repo.js";
import type { SessionMinute, SessionReport } from "../core/session-report.js";
import type { OutputState } from "../core/output-state.js";
import { SessionTracker, type LiveFigures, type TrackerState } from "./tracker.js";

/** What the recorder reads from the relay at each bucket's end (the relay's own read-only views). */
export interface RelayFigures {
  liveStreams(): Array<{ id: string; ingest: { bitrateKbps: number; fps: number }; outputs: Array<{ id: string; name: string; health: { state: OutputState; bitrateKbps: number; bytesOut: number } }> }>;
  ingestSource(streamId: string): { source: string } | null;
  outputHealth(streamId: string, destinationId: string): { state: OutputState; bitrateKbps: number; bytesOut: number } | undefined;
  destinationTranscode(streamId: string, destinationId: string): { warnings: string[] } | undefined;
}

export interface RecorderSettings {
  /** Length of a bucket of the series (60 s by default). */
  bucketMs: number;
  /** Ended sessions older than this are deleted (PRISM_EVENTS_RETENTION_DAYS, like the event log). */
  retentionMs: number;
}

export const CRASH_REASON = "Prism stopped unexpectedly";
const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * Records every broadcast session from the bus: a tracker per live session, a bucket of the series
 * written (with the tracker's state) at each bucket's end, the report at stream.ended, announced
 * as session.report_ready. A session a crash left open is closed at its last bucket on start-up.
 */
export class SessionRecorder {
  private readonly live = new Map<string, { tracker: SessionTracker; timer: NodeJS.Timeout }>();
  /** streamId → sessionId of its live session (destination and chat events carry only the stream). */
  private readonly byStream = new Map<string, string>();
  private readonly unsubscribe: Array<() => void> = [];
  private pruneTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: {
      bus: EventBus;
      repo: BroadcastSessionsRepo;
      relay: RelayFigures;
      platformOf: (streamId: string, destinationId: string) => string | undefined;
      settings: RecorderSettings;
      log: Logger;
    },
  ) {}

  start(): void {
    const { bus } = this.deps;
    this.unsubscribe.push(
      bus.on("stream.started", (e) => this.open(e.sessionId, e.streamId, e.name, Date.parse(e.at))),
      bus.on("stream.ended", (e) => this.end(e.sessionId, Date.parse(e.at), e.reason)),
      bus.on("stream.ingest_lost", (e) => this.tracker(e.sessionId)?.ingestLost(Date.parse(e.at))),
      bus.on("stream.ingest_resumed", (e) => this.tracker(e.sessionId)?.ingestResumed(Date.parse(e.at))),
      bus.on("stream.ingest_switched", (e) => this.tracker(e.sessionId)?.switched()),
      bus.on("destination.state", (e) => {
        const tracker = this.trackerOfStream(e.streamId);
        if (!tracker) return;
        const platform = this.deps.platformOf(e.streamId, e.destinationId) ?? "custom";
        tracker.destinationState(e.destinationId, e.name, platform, e.state, Date.parse(e.at), e.lastError);
      }),
      bus.on("comment.received", (e) => this.trackerOfStream(e.streamId)?.comment(e)),
      bus.on("audience.viewers", (e) => (this.tracker(e.sessionId) ?? this.trackerOfStream(e.streamId))?.viewers(e)),
    );
    this.closeUnfinished();
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  /** Ends what is still live (as at shutdown the relay already did) and unsubscribes. */
  stop(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    for (const { timer } of this.live.values()) clearInterval(timer);
    // Left open on purpose: the next start closes them at their last bucket, as after a crash.
    this.live.clear();
    this.byStream.clear();
  }

  /** The report: final once ended, so far while live. */
  report(sessionId: string): SessionReport | undefined {
    const live = this.live.get(sessionId);
    if (live) return live.tracker.report(Date.now());
    return this.deps.repo.get(sessionId)?.report ?? undefined;
  }

  session(sessionId: string): StoredSession | undefined {
    return this.deps.repo.get(sessionId);
  }

  series(sessionId: string): SessionMinute[] {
    return this.deps.repo.series(sessionId);
  }

  list(streamId: string, limit: number): SessionReport[] {
    return this.deps.repo
      .listForStream(streamId, limit)
      .map((s) => this.report(s.id))
      .filter((r): r is SessionReport => r !== undefined);
  }

  private tracker(sessionId: string): SessionTracker | undefined {
    return this.live.get(sessionId)?.tracker;
  }

  private trackerOfStream(streamId: string): SessionTracker | undefined {
    const sessionId = this.byStream.get(streamId);
    return sessionId === undefined ? undefined : this.tracker(sessionId);
  }

  private open(sessionId: string, streamId: string, name: string, at: number): void {
    if (this.live.has(sessionId)) return;
    const tracker = SessionTracker.start({ sessionId, streamId, name, at: Number.isNaN(at) ? Date.now() : at }, this.deps.settings.bucketMs);
    try {
      this.deps.repo.open({ id: sessionId, streamId, startedAt: new Date(tracker.state.startedAt), bucketSec: this.deps.settings.bucketMs / 1000, state: tracker.state });
    } catch (err) {
      this.deps.log.error({ err, stream: streamId }, "could not record the broadcast session");
      return;
    }
    const timer = setInterval(() => this.flush(tracker, Date.now(), this.figures(streamId)), this.deps.settings.bucketMs);
    timer.unref();
    this.live.set(sessionId, { tracker, timer });
    this.byStream.set(streamId, sessionId);
  }

  private end(sessionId: string, at: number, reason: string): void {
    const live = this.live.get(sessionId);
    if (!live) return;
    clearInterval(live.timer);
    this.live.delete(sessionId);
    if (this.byStream.get(live.tracker.state.streamId) === sessionId) this.byStream.delete(live.tracker.state.streamId);
    const endedAt = Number.isNaN(at) ? Date.now() : at;
    this.flush(live.tracker, endedAt, this.figures(live.tracker.state.streamId, live.tracker));
    this.finish(live.tracker, endedAt, reason);
  }

  private flush(tracker: SessionTracker, at: number, figures: LiveFigures | null): void {
    const minute = tracker.sample(at, figures);
    try {
      this.deps.repo.saveBucket(tracker.state.id, minute, tracker.state);
    } catch (err) {
      // The stream was deleted mid-session (its sessions with it): nothing to keep.
      this.deps.log.warn({ err, session: tracker.state.id }, "could not store a bucket of the session series");
    }
  }

  private finish(tracker: SessionTracker, endedAt: number, reason: string): void {
    const report = tracker.report(endedAt, { reason });
    try {
      if (!this.deps.repo.close(report.id, new Date(endedAt), report)) {
        this.deps.log.info({ session: report.id, stream: report.streamId }, "no report for a session whose stream was deleted");
        return;
      }
    } catch (err) {
      this.deps.log.warn({ err, session: report.id }, "could not store the session report");
      return;
    }
    this.deps.log.info({ session: report.id, stream: report.streamId, durationSec: report.durationSec }, "session report ready");
    this.deps.bus.emit("session.report_ready", { report, at: new Date().toISOString() });
  }

  /**
   * The relay's figures for a stream: of the live run, or (at stream.ended, its outputs already
   * stopped) each known destination's last health.
   */
  private figures(streamId: string, ended?: SessionTracker): LiveFigures | null {
    const { relay } = this.deps;
    const snapshot = relay.liveStreams().find((s) => s.id === streamId);
    if (snapshot) {
      return {
        ingest: { bitrateKbps: snapshot.ingest.bitrateKbps, fps: snapshot.ingest.fps, source: relay.ingestSource(streamId)?.source ?? "publisher" },
        outputs: snapshot.outputs.map((o) => ({ id: o.id, name: o.name, ...o.health, warnings: relay.destinationTranscode(streamId, o.id)?.warnings ?? [] })),
      };
    }
    if (!ended) return null;
    const outputs = Object.entries(ended.state.destinations).flatMap(([id, track]) => {
      const health = relay.outputHealth(streamId, id);
      return health ? [{ id, name: track.name, state: health.state, bitrateKbps: 0, bytesOut: health.bytesOut, warnings: [] }] : [];
    });
    return { ingest: null, outputs };
  }

  private closeUnfinished(): void {
    for (const stored of this.deps.repo.unfinished()) {
      try {
        const tracker = new SessionTracker(stored.state as unknown as TrackerState);
        this.deps.log.warn({ session: stored.id, stream: stored.streamId }, "closing a broadcast session left open (Prism stopped without ending it) at its last bucket");
        this.finish(tracker, tracker.state.lastSampleAt, CRASH_REASON);
      } catch (err) {
        this.deps.log.error({ err, session: stored.id }, "could not close a broadcast session left open");
      }
    }
  }

  private prune(): void {
    try {
      const removed = this.deps.repo.prune(new Date(Date.now() - this.deps.settings.retentionMs));
      if (removed > 0) this.deps.log.info({ sessions: removed }, "pruned old broadcast sessions");
    } catch (err) {
      this.deps.log.error({ err }, "pruning broadcast sessions failed");
    }
  }
}
