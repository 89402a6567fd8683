import { localEvents, type EventBus } from "../bus.js";
import type { Logger } from "../log.js";
import type { StoredSession } from "../db/broadcast-sessions-repo.js";
import type { BroadcastSessionsStore } from "../db/store.js";
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
  /** `writes`: the session's store writes and platform look-ups, one after another, so they land in order. */
  private readonly live = new Map<string, { tracker: SessionTracker; timer: NodeJS.Timeout; writes: Promise<void> }>();
  /** Sessions ended but not yet stored: stop waits for them, so their reports go out before the webhooks stop. */
  private readonly ending = new Set<Promise<void>>();
  /** streamId → sessionId of its live session (destination and chat events carry only the stream). */
  private readonly byStream = new Map<string, string>();
  private readonly unsubscribe: Array<() => void> = [];
  private pruneTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: {
      bus: EventBus;
      repo: BroadcastSessionsStore;
      relay: RelayFigures;
      platformOf: (streamId: string, destinationId: string) => Promise<string | undefined>;
      settings: RecorderSettings;
      log: Logger;
    },
  ) {}

  /** Subscribes, then closes what a crash left open (resolves once those reports are out). */
  async start(): Promise<void> {
    // The owner of a live stream records its session; other nodes' events are theirs to record.
    const bus = localEvents(this.deps.bus);
    this.unsubscribe.push(
      bus.on("stream.started", (e) => this.open(e.sessionId, e.streamId, e.name, Date.parse(e.at))),
      bus.on("stream.ended", (e) => this.end(e.sessionId, Date.parse(e.at), e.reason)),
      bus.on("stream.ingest_lost", (e) => this.tracker(e.sessionId)?.ingestLost(Date.parse(e.at))),
      bus.on("stream.ingest_resumed", (e) => this.tracker(e.sessionId)?.ingestResumed(Date.parse(e.at))),
      bus.on("stream.ingest_switched", (e) => this.tracker(e.sessionId)?.switched()),
      bus.on("destination.state", (e) => {
        const sessionId = this.byStream.get(e.streamId);
        const tracker = sessionId === undefined ? undefined : this.tracker(sessionId);
        if (!tracker) return;
        // The platform is looked up in the store; the session's queue keeps the states in their order.
        this.queue(sessionId!, async () => {
          const platform = (await this.deps.platformOf(e.streamId, e.destinationId)) ?? "custom";
          tracker.destinationState(e.destinationId, e.name, platform, e.state, Date.parse(e.at), e.lastError);
        });
      }),
      bus.on("comment.received", (e) => this.trackerOfStream(e.streamId)?.comment(e)),
      bus.on("audience.viewers", (e) => (this.tracker(e.sessionId) ?? this.trackerOfStream(e.streamId))?.viewers(e)),
    );
    this.pruneTimer = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
    await this.closeUnfinished();
    await this.prune();
  }

  /** Stores what ended sessions still had on their way, then unsubscribes; what is still live stays open. */
  async stop(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    for (const { timer } of this.live.values()) clearInterval(timer);
    const writes = [...this.live.values()].map((l) => l.writes);
    // Left open on purpose: the next start closes them at their last bucket, as after a crash.
    this.live.clear();
    this.byStream.clear();
    await Promise.all([...writes, ...this.ending]);
  }

  /** The report: final once ended, so far while live. */
  async report(sessionId: string): Promise<SessionReport | undefined> {
    const live = this.live.get(sessionId);
    if (live) return live.tracker.report(Date.now());
    return (await this.deps.repo.get(sessionId))?.report ?? undefined;
  }

  session(sessionId: string): Promise<StoredSession | undefined> {
    return this.deps.repo.get(sessionId);
  }

  series(sessionId: string): Promise<SessionMinute[]> {
    return this.deps.repo.series(sessionId);
  }

  async list(streamId: string, limit: number): Promise<SessionReport[]> {
    const reports = await Promise.all((await this.deps.repo.listForStream(streamId, limit)).map((s) => this.report(s.id)));
    return reports.filter((r): r is SessionReport => r !== undefined);
  }

  /** Runs `job` after the session's earlier writes; a failure is logged where it happens (never rejects). */
  private queue(sessionId: string, job: () => Promise<void>): void {
    const live = this.live.get(sessionId);
    if (!live) return;
    live.writes = live.writes.then(job).catch((err: unknown) => this.deps.log.error({ err, session: sessionId }, "broadcast session bookkeeping failed"));
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
    const opened = this.deps.repo
      .open({ id: sessionId, streamId, startedAt: new Date(tracker.state.startedAt), bucketSec: this.deps.settings.bucketMs / 1000, state: snapshot(tracker.state) })
      .then(
        () => {},
        (err: unknown) => {
          this.deps.log.error({ err, stream: streamId }, "could not record the broadcast session");
          // Not recorded: forgotten, as if it had never been opened.
          const live = this.live.get(sessionId);
          if (live) clearInterval(live.timer);
          this.live.delete(sessionId);
          if (this.byStream.get(streamId) === sessionId) this.byStream.delete(streamId);
        },
      );
    const timer = setInterval(() => this.flush(sessionId, tracker, Date.now(), this.figures(streamId)), this.deps.settings.bucketMs);
    timer.unref();
    this.live.set(sessionId, { tracker, timer, writes: opened });
    this.byStream.set(streamId, sessionId);
  }

  private end(sessionId: string, at: number, reason: string): void {
    const live = this.live.get(sessionId);
    if (!live) return;
    clearInterval(live.timer);
    const { tracker } = live;
    if (this.byStream.get(tracker.state.streamId) === sessionId) this.byStream.delete(tracker.state.streamId);
    const endedAt = Number.isNaN(at) ? Date.now() : at;
    // Read now: the relay's figures are those of this moment.
    const figures = this.figures(tracker.state.streamId, tracker);
    this.queue(sessionId, async () => {
      await this.store(tracker, tracker.sample(endedAt, figures));
      await this.finish(tracker, endedAt, reason);
    });
    const ended = live.writes;
    this.live.delete(sessionId);
    this.ending.add(ended);
    void ended.finally(() => this.ending.delete(ended));
  }

  /** A bucket ends: sampled now, stored after the session's earlier writes. */
  private flush(sessionId: string, tracker: SessionTracker, at: number, figures: LiveFigures | null): void {
    const minute = tracker.sample(at, figures);
    const state = snapshot(tracker.state);
    this.queue(sessionId, () => this.store(tracker, minute, state));
  }

  private async store(tracker: SessionTracker, minute: SessionMinute, state: TrackerState = tracker.state): Promise<void> {
    try {
      await this.deps.repo.saveBucket(tracker.state.id, minute, state);
    } catch (err) {
      // The stream was deleted mid-session (its sessions with it): nothing to keep.
      this.deps.log.warn({ err, session: tracker.state.id }, "could not store a bucket of the session series");
    }
  }

  private async finish(tracker: SessionTracker, endedAt: number, reason: string): Promise<void> {
    const report = tracker.report(endedAt, { reason });
    try {
      if (!(await this.deps.repo.close(report.id, new Date(endedAt), report))) {
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

  private async closeUnfinished(): Promise<void> {
    for (const stored of await this.deps.repo.unfinished()) {
      try {
        const tracker = new SessionTracker(stored.state as unknown as TrackerState);
        this.deps.log.warn({ session: stored.id, stream: stored.streamId }, "closing a broadcast session left open (Prism stopped without ending it) at its last bucket");
        await this.finish(tracker, tracker.state.lastSampleAt, CRASH_REASON);
      } catch (err) {
        this.deps.log.error({ err, session: stored.id }, "could not close a broadcast session left open");
      }
    }
  }

  /** Never rejects: a failure is logged and the next round tries again. */
  private async prune(): Promise<void> {
    try {
      const removed = await this.deps.repo.prune(new Date(Date.now() - this.deps.settings.retentionMs));
      if (removed > 0) this.deps.log.info({ sessions: removed }, "pruned old broadcast sessions");
    } catch (err) {
      this.deps.log.error({ err }, "pruning broadcast sessions failed");
    }
  }
}

/** The tracker's state as it is now: it keeps changing while its bucket waits for the store. */
function snapshot(state: TrackerState): TrackerState {
  return structuredClone(state);
}
