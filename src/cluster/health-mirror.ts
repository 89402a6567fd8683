import type { IngestHealth, InputId } from "../relay/hub.js";
import type { InputHealth } from "../relay/ingest/input-meter.js";
import type { OutputHealth } from "../relay/output.js";
import type { IngestState, LiveStreamSnapshot } from "../relay/relay.js";
import type { DestinationTranscode } from "../relay/transcode/transcoding.js";
import { StreamFeed } from "./forward.js";
import type { NatsLink } from "./nats.js";

/** What the health API reads from the relay (the API's RelayView has the same shape). */
export interface RelayHealthReader {
  isLive(streamId: string): boolean;
  ingestHealth(streamId: string): (IngestHealth & Record<InputId, InputHealth>) | null;
  outputHealth(streamId: string, destinationId: string): OutputHealth | undefined;
  destinationTranscode(streamId: string, destinationId: string): DestinationTranscode | undefined;
  liveStreams(): LiveStreamSnapshot[];
  ingestSource(streamId: string): IngestSourceView | null;
}

export interface IngestSourceView {
  source: IngestState;
  slateUntil: string | null;
  warnings: string[];
}

/** A destination's chat reader, API quota and viewers, as the owner's platform layer sees them. */
export interface PlatformHealthView {
  chat: { state: "connecting" | "live" | "reconnecting" | "failed"; detail?: string } | null;
  quota: { unitsToday: number; dailyLimit: number; resetsAt: string } | null;
  viewers: { count: number; at: string; totalViews?: number } | { unavailable: string } | null;
}

/** One live stream's health as its owner sees it: everything GET /streams/{id}/health reads from runtime state. */
export interface StreamHealthSnapshot {
  name: string;
  ingest: (IngestHealth & Record<InputId, InputHealth>) | null;
  source: IngestSourceView | null;
  /** By destination id: every destination with an output or a transcode view on the owner. */
  destinations: Record<string, { name: string | null; health: OutputHealth | null; transcode: DestinationTranscode | null; platform: PlatformHealthView | null }>;
  viewers: { count: number; at: string } | null;
}

/** On the wire: a snapshot, or word that the stream stopped being live on its owner (forget it now). */
type HealthMessage = { from: string; snapshot: StreamHealthSnapshot } | { from: string; ended: true };

/** What the owner adds to the relay's figures (from the platform layer and the audience pollers). */
export interface SnapshotExtras {
  /** Destinations to report besides those with an output (e.g. auto transcoding still measuring). */
  destinationIds?(streamId: string): readonly string[];
  platformHealth?(streamId: string, destinationId: string): PlatformHealthView | null;
  viewersTotal?(streamId: string): { count: number; at: string } | null;
}

/** The snapshot of every stream live on this node's relay, read in one pass. */
export function takeSnapshots(relay: RelayHealthReader, extras: SnapshotExtras = {}): Map<string, StreamHealthSnapshot> {
  const snapshots = new Map<string, StreamHealthSnapshot>();
  for (const live of relay.liveStreams()) {
    const destinations: StreamHealthSnapshot["destinations"] = {};
    const names = new Map(live.outputs.map((o) => [o.id, o.name]));
    for (const id of new Set([...names.keys(), ...(extras.destinationIds?.(live.id) ?? [])])) {
      destinations[id] = {
        name: names.get(id) ?? null,
        health: relay.outputHealth(live.id, id) ?? null,
        transcode: relay.destinationTranscode(live.id, id) ?? null,
        platform: extras.platformHealth?.(live.id, id) ?? null,
      };
    }
    snapshots.set(live.id, { name: live.name, ingest: relay.ingestHealth(live.id), source: relay.ingestSource(live.id), destinations, viewers: extras.viewersTotal?.(live.id) ?? null });
  }
  return snapshots;
}

export interface HealthMirrorOptions {
  /** A snapshot older than this is forgotten: its owner died or was cut off (default 5000 ms). */
  maxAgeMs?: number;
  /** How often the owner publishes (default 1000 ms). */
  publishEveryMs?: number;
  /** The clock ages are read with (tests move it). */
  now?: () => number;
  onBadMessage?: (subject: string, err: Error) => void;
  /** A stream's mirrored snapshot arrived (or was dropped: null), e.g. to push it to SSE clients at once. */
  onChange?: (streamId: string, snapshot: StreamHealthSnapshot | null) => void;
}

/** The ownership leases as the mirror follows them (cluster/leases.ts `Leases<StreamLease>.watch`). */
export interface LeaseChanges {
  watch(listener: (streamId: string, holder: { value: { nodeId: string } } | null) => void): Promise<() => void>;
}

interface Mirrored {
  from: string;
  snapshot: StreamHealthSnapshot;
  receivedAt: number;
}

/**
 * Live health across the cluster. The owner publishes each of its live streams' snapshot on
 * `prism.stream.<id>.health` about once a second (and an "ended" word when a stream stops being live there);
 * every node keeps the latest snapshot per stream and forgets it when it is older than `maxAgeMs` (measured on
 * its own clock, so clock skew between nodes does not matter), when the owner says it ended, or when the
 * stream's lease is gone (`forget`). Reads are synchronous: the API's routes do not change.
 */
export class HealthMirror {
  private readonly mirrored = new Map<string, Mirrored>();
  private readonly feed: StreamFeed<HealthMessage>;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private readonly stops: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  /** The streams this node published last time, to say "ended" for those no longer live here. */
  private published = new Set<string>();
  private lastSweep = 0;

  constructor(
    link: NatsLink,
    readonly nodeId: string,
    private readonly options: HealthMirrorOptions = {},
  ) {
    this.feed = new StreamFeed<HealthMessage>(link, "health", options.onBadMessage);
    this.maxAgeMs = options.maxAgeMs ?? 5_000;
    this.now = options.now ?? Date.now;
    this.stops.push(this.feed.subscribeAll((streamId, message) => this.receive(streamId, message)));
  }

  /** Publishes `take()`'s snapshots now, then every publishEveryMs, until `stop`. */
  publishFrom(take: () => Map<string, StreamHealthSnapshot>): void {
    clearInterval(this.timer);
    this.publishNow(take);
    this.timer = setInterval(() => this.publishNow(take), this.options.publishEveryMs ?? 1_000);
    this.timer.unref();
  }

  /** One round of publishing (what the timer does). Dropped while NATS is down: the next round replaces it. */
  publishNow(take: () => Map<string, StreamHealthSnapshot>): void {
    const snapshots = take();
    for (const [streamId, snapshot] of snapshots) this.send(streamId, { from: this.nodeId, snapshot });
    for (const streamId of this.published) if (!snapshots.has(streamId)) this.send(streamId, { from: this.nodeId, ended: true });
    this.published = new Set(snapshots.keys());
  }

  /** The latest snapshot of a stream live on another node, or null (none, too old, or ended). */
  latest(streamId: string): StreamHealthSnapshot | null {
    const entry = this.mirrored.get(streamId);
    if (!entry) return null;
    if (this.expired(entry)) {
      this.forget(streamId);
      return null;
    }
    return entry.snapshot;
  }

  /** Every stream live on another node, with a fresh snapshot. */
  all(): Array<{ streamId: string; nodeId: string; snapshot: StreamHealthSnapshot }> {
    this.sweep(true);
    return [...this.mirrored].map(([streamId, { from, snapshot }]) => ({ streamId, nodeId: from, snapshot }));
  }

  /** The stream's lease is gone (released, or taken by another node): its snapshot no longer says anything. */
  forget(streamId: string): void {
    if (this.mirrored.delete(streamId)) this.options.onChange?.(streamId, null);
  }

  /**
   * Forgets a stream's snapshot as soon as its lease is released or passes to another node (a lapse is not
   * announced on nats-server 2.9: maxAgeMs covers it). Resolves once it is watching.
   */
  async followLeases(leases: LeaseChanges): Promise<void> {
    const stop = await leases.watch((streamId, holder) => {
      const entry = this.mirrored.get(streamId);
      if (entry && entry.from !== holder?.value.nodeId) this.forget(streamId);
    });
    this.stops.push(stop);
  }

  stop(): void {
    clearInterval(this.timer);
    for (const stop of this.stops.splice(0)) stop();
    this.mirrored.clear();
  }

  private send(streamId: string, message: HealthMessage): void {
    try {
      this.feed.publish(streamId, message);
    } catch (err) {
      // Larger than NATS carries (hundreds of destinations): the others see the stream as not live, not a crash.
      this.options.onBadMessage?.(streamId, err as Error);
    }
  }

  private receive(streamId: string, message: HealthMessage): void {
    this.sweep(false);
    if (!message || typeof message !== "object" || typeof message.from !== "string" || message.from === this.nodeId) return;
    if ("ended" in message) this.forget(streamId);
    else if (message.snapshot && typeof message.snapshot === "object") {
      this.mirrored.set(streamId, { from: message.from, snapshot: message.snapshot, receivedAt: this.now() });
      this.options.onChange?.(streamId, message.snapshot);
    }
  }

  private expired(entry: Mirrored): boolean {
    return this.now() - entry.receivedAt > this.maxAgeMs;
  }

  /** Drops stale entries, at most once per maxAgeMs unless `always`: streams nobody reads do not pile up. */
  private sweep(always: boolean): void {
    const now = this.now();
    if (!always && now - this.lastSweep < this.maxAgeMs) return;
    this.lastSweep = now;
    for (const [streamId, entry] of this.mirrored) if (this.expired(entry)) this.forget(streamId);
  }
}

/**
 * The relay as the API reads it in a cluster: this node's relay for the streams it owns, the mirrored snapshot
 * for streams live elsewhere. Synchronous, like the relay.
 */
export class ClusterRelayView implements RelayHealthReader {
  constructor(
    private readonly local: RelayHealthReader,
    private readonly mirror: HealthMirror,
    private readonly localExtras: SnapshotExtras = {},
  ) {}

  isLive(streamId: string): boolean {
    return this.local.isLive(streamId) || this.remote(streamId) !== null;
  }

  ingestHealth(streamId: string): (IngestHealth & Record<InputId, InputHealth>) | null {
    return this.local.isLive(streamId) ? this.local.ingestHealth(streamId) : (this.remote(streamId)?.ingest ?? null);
  }

  ingestSource(streamId: string): IngestSourceView | null {
    return this.local.isLive(streamId) ? this.local.ingestSource(streamId) : (this.remote(streamId)?.source ?? null);
  }

  outputHealth(streamId: string, destinationId: string): OutputHealth | undefined {
    if (this.local.isLive(streamId)) return this.local.outputHealth(streamId, destinationId);
    // Not live anywhere: the relay keeps the last run's figures where the stream ran here.
    return this.remote(streamId)?.destinations[destinationId]?.health ?? this.local.outputHealth(streamId, destinationId);
  }

  destinationTranscode(streamId: string, destinationId: string): DestinationTranscode | undefined {
    if (this.local.isLive(streamId)) return this.local.destinationTranscode(streamId, destinationId);
    return this.remote(streamId)?.destinations[destinationId]?.transcode ?? undefined;
  }

  liveStreams(): LiveStreamSnapshot[] {
    const local = this.local.liveStreams();
    const here = new Set(local.map((s) => s.id));
    const elsewhere = this.mirror
      .all()
      .filter(({ streamId, snapshot }) => !here.has(streamId) && snapshot.ingest)
      .map(({ streamId, snapshot }) => ({
        id: streamId,
        name: snapshot.name,
        ingest: ingestOnly(snapshot.ingest!),
        outputs: Object.entries(snapshot.destinations).flatMap(([id, d]) => (d.health ? [{ id, name: d.name ?? "", health: d.health }] : [])),
      }));
    return [...local, ...elsewhere];
  }

  /** A destination's chat reader, quota and viewers: this node's platform layer for owned streams, the owner's otherwise. */
  platformHealth(streamId: string, destinationId: string): PlatformHealthView | null {
    if (this.local.isLive(streamId)) return this.localExtras.platformHealth?.(streamId, destinationId) ?? null;
    return this.remote(streamId)?.destinations[destinationId]?.platform ?? null;
  }

  viewersTotal(streamId: string): { count: number; at: string } | null {
    if (this.local.isLive(streamId)) return this.localExtras.viewersTotal?.(streamId) ?? null;
    return this.remote(streamId)?.viewers ?? null;
  }

  private remote(streamId: string): StreamHealthSnapshot | null {
    return this.mirror.latest(streamId);
  }
}

/** The hub's figures without the per-input ones ingestHealth adds, as liveStreams reports them. */
function ingestOnly({ primary: _primary, backup: _backup, ...ingest }: IngestHealth & Record<InputId, InputHealth>): IngestHealth {
  return ingest;
}
