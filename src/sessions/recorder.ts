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

/** What a node of a cluster tells the recorder (absent on a single Prism). */
export interface SessionCluster {
  /** The node this session's stream was taken over from (it died mid-session): the session goes on here. */
  takenOver(sessionId: string): { fromNode: string } | undefined;
  /** Whether another live node owns the stream now: its open session is that node's, not a crash's leftover. */
  liveElsewhere(streamId: string): Promise<boolean>;
}

export const CRASH_REASON = "Prism stopped unexpectedly";
const PRUNE_EVERY_MS = 10 * 60_000;
/** Events kept for a session taken over while its stored state loads (one store round trip): a bound on memory. */
const MAX_BACKLOG = 10_000;

interface LiveSession {
  streamId: string;
  /** null while a taken-over session's stored state loads; events wait in `backlog` meanwhile. */
  tracker: SessionTracker | null;
  backlog: Array<(tracker: SessionTracker) => void>;
  timer: NodeJS.Timeout;
  /** The session's store writes and platform look-ups, one after another, so they land in order. */
  writes: Promise<void>;
}

/**
 * Records every broadcast session from the bus: a tracker per live session, a bucket of the series
 * written (with the tracker's state) at each bucket's end, the report at stream.ended, announced
 * as session.report_ready. A session a crash left open is closed at its last bucket on start-up.
 */
export class SessionRecorder {
  private readonly live = new Map<string, LiveSession>();
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
      cluster?: SessionCluster | undefined;
    },
  ) {}

  /** Subscribes, then closes what a crash left open (resolves once those reports are out). */
  async start(): Promise<void> {
    // The owner of a live stream records its session; other nodes' events are theirs to record.
    const bus = localEvents(this.deps.bus);
    this.unsubscribe.push(
      bus.on("stream.started", (e) => this.open(e.sessionId, e.streamId, e.name, Date.parse(e.at))),
      bus.on("stream.ended", (e) => this.end(e.sessionId, Date.parse(e.at), e.reason)),
      bus.on("stream.ingest_lost", (e) => this.feed(e.sessionId, (t) => t.ingestLost(Date.parse(e.at)))),
      bus.on("stream.ingest_resumed", (e) => this.feed(e.sessionId, (t) => t.ingestResumed(Date.parse(e.at)))),
      bus.on("stream.ingest_switched", (e) => this.feed(e.sessionId, (t) => t.switched())),
      bus.on("destination.state", (e) => {
        const sessionId = this.byStream.get(e.streamId);
        if (sessionId === undefined) return;
        // The platform is looked up in the store; the session's queue keeps the states in their order.
        this.queue(sessionId, async () => {
          const platform = (await this.deps.platformOf(e.streamId, e.destinationId)) ?? "custom";
          this.feed(sessionId, (t) => t.destinationState(e.destinationId, e.name, platform, e.state, Date.parse(e.at), e.lastError));
        });
      }),
      bus.on("comment.received", (e) => this.feed(this.byStream.get(e.streamId), (t) => t.comment(e))),
      bus.on("audience.viewers", (e) => this.feed(this.live.has(e.sessionId) ? e.sessionId : this.byStream.get(e.streamId), (t) => t.viewers(e))),
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

  /** The report: final once ended, so far while live (here, or up to its last stored bucket on another node). */
  async report(sessionId: string): Promise<SessionReport | undefined> {
    const live = this.live.get(sessionId)?.tracker;
    if (live) return live.report(Date.now());
    const stored = await this.deps.repo.get(sessionId);
    if (!stored) return undefined;
    if (stored.report) return stored.report;
    // Live on another node of a cluster (or not yet closed after a crash): the report as of its last stored bucket.
    const tracker = new SessionTracker(stored.state as unknown as TrackerState);
    return tracker.report(tracker.state.lastSampleAt);
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

  /** Applies an event to the session's tracker, or keeps it for when a taken-over session's state has loaded. */
  private feed(sessionId: string | undefined, apply: (tracker: SessionTracker) => void): void {
    const live = sessionId === undefined ? undefined : this.live.get(sessionId);
    if (!live) return;
    if (live.tracker) apply(live.tracker);
    else if (live.backlog.length < MAX_BACKLOG) live.backlog.push(apply);
  }

  private open(sessionId: string, streamId: string, name: string, at: number): void {
    if (this.live.has(sessionId)) return;
    const startedAt = Number.isNaN(at) ? Date.now() : at;
    const takeover = this.deps.cluster?.takenOver(sessionId);
    if (takeover) {
      this.resume(sessionId, streamId, name, startedAt, takeover.fromNode);
      return;
    }
    const tracker = SessionTracker.start({ sessionId, streamId, name, at: startedAt }, this.deps.settings.bucketMs);
    this.follow(sessionId, streamId, tracker, this.insertRow(tracker));
  }

  /** Writes a new session's row; a session that cannot be recorded is forgotten, as if it had never been opened. */
  private insertRow(tracker: SessionTracker): Promise<void> {
    const { id: sessionId, streamId } = tracker.state;
    return this.deps.repo
      .open({ id: sessionId, streamId, startedAt: new Date(tracker.state.startedAt), bucketSec: this.deps.settings.bucketMs / 1000, state: snapshot(tracker.state) })
      .then(
        () => {},
        (err: unknown) => {
          this.deps.log.error({ err, stream: streamId }, "could not record the broadcast session");
          const live = this.live.get(sessionId);
          if (live) clearInterval(live.timer);
          this.live.delete(sessionId);
          if (this.byStream.get(streamId) === sessionId) this.byStream.delete(streamId);
        },
      );
  }

  /** The session is live here: a bucket at each bucket's end, events fed to its tracker. */
  private follow(sessionId: string, streamId: string, tracker: SessionTracker | null, writes: Promise<void>): LiveSession {
    const timer = setInterval(() => {
      const live = this.live.get(sessionId);
      if (live?.tracker) this.flush(sessionId, live.tracker, Date.now(), this.figures(streamId));
    }, this.deps.settings.bucketMs);
    timer.unref();
    const live: LiveSession = { streamId, tracker, backlog: [], timer, writes };
    this.live.set(sessionId, live);
    this.byStream.set(streamId, sessionId);
    return live;
  }

  /**
   * This node took the stream over from a node that died mid-session: the session goes on from its last stored
   * bucket (what the dead node counted after it is lost), the time between marked as a gap.
   */
  private resume(sessionId: string, streamId: string, name: string, at: number, fromNode: string): void {
    const live = this.follow(sessionId, streamId, null, Promise.resolve());
    this.queue(sessionId, async () => {
      let tracker: SessionTracker | null = null;
      try {
        const stored = await this.deps.repo.get(sessionId);
        if (stored) tracker = new SessionTracker(stored.state as unknown as TrackerState);
      } catch (err) {
        this.deps.log.error({ err, session: sessionId }, "could not read the session of a stream taken over; it starts afresh here");
      }
      if (tracker) {
        const from = tracker.state.lastSampleAt;
        const gapSec = Math.round(Math.max(0, at - from) / 100) / 10;
        tracker.resumedAfterGap(from, at, `Node ${fromNode} relaying this stream stopped answering; another node took the stream over ${gapSec} s after the session's last record there.`);
        this.deps.log.warn({ session: sessionId, stream: streamId, fromNode, gapSec }, "continuing the broadcast session of a stream taken over from a node that stopped answering");
      } else {
        // Its first record never landed: the session starts here, under the same id.
        tracker = SessionTracker.start({ sessionId, streamId, name, at }, this.deps.settings.bucketMs);
        await this.insertRow(tracker);
      }
      live.tracker = tracker;
      for (const apply of live.backlog.splice(0)) apply(tracker);
    });
  }

  private end(sessionId: string, at: number, reason: string): void {
    const live = this.live.get(sessionId);
    if (!live) return;
    clearInterval(live.timer);
    if (this.byStream.get(live.streamId) === sessionId) this.byStream.delete(live.streamId);
    const endedAt = Number.isNaN(at) ? Date.now() : at;
    // Read now: the relay's figures are those of this moment (a taken-over session still loading reads them once loaded).
    const figures = live.tracker && this.figures(live.streamId, live.tracker);
    this.queue(sessionId, async () => {
      const tracker = live.tracker;
      if (!tracker) return;
      await this.store(tracker, tracker.sample(endedAt, figures ?? this.figures(live.streamId, tracker)));
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
        if (await this.liveElsewhere(stored.streamId)) {
          this.deps.log.info({ session: stored.id, stream: stored.streamId }, "leaving a broadcast session open: its stream is live on another node");
          continue;
        }
        const tracker = new SessionTracker(stored.state as unknown as TrackerState);
        this.deps.log.warn({ session: stored.id, stream: stored.streamId }, "closing a broadcast session left open (Prism stopped without ending it) at its last bucket");
        await this.finish(tracker, tracker.state.lastSampleAt, CRASH_REASON);
      } catch (err) {
        this.deps.log.error({ err, session: stored.id }, "could not close a broadcast session left open");
      }
    }
  }

  /** In a cluster, whether another node owns the stream now; when nobody can tell, it is left alone too. */
  private async liveElsewhere(streamId: string): Promise<boolean> {
    const cluster = this.deps.cluster;
    if (!cluster) return false;
    try {
      return await cluster.liveElsewhere(streamId);
    } catch (err) {
      this.deps.log.warn({ err, stream: streamId }, "could not tell whether another node has this stream live; its open session is left for a later start");
      return true;
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
