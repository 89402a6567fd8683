import type { CommentKind, PrismEvents } from "../bus.js";
import type { OutputState } from "../core/output-state.js";
import type { SessionMinute, SessionReport } from "../core/session-report.js";
import { addWarning, applyState, destinationReport, downDuring, newTrack, recordBytes, round1, type DestinationTrack } from "./destination-track.js";

/** Unique chatters are remembered up to this many per session (then the count stops growing): a bound on memory and on the stored state. */
export const MAX_CHATTERS = 50_000;

/** What the relay says about a live stream at a bucket's end. */
export interface LiveFigures {
  ingest: { bitrateKbps: number; fps: number; source: string } | null;
  outputs: Array<{ id: string; name: string; state: OutputState; bitrateKbps: number; bytesOut: number; warnings: string[] }>;
}

interface PlatformViewerTrack {
  peak: number | null;
  peakAt: number | null;
  sum: number;
  buckets: number;
  unavailable?: string;
}

/** Everything a session has counted so far: plain data, stored with each bucket so a crash loses at most one. */
export interface TrackerState {
  id: string;
  streamId: string;
  streamName: string;
  startedAt: number;
  bucketMs: number;
  lastSampleAt: number;
  bucketIndex: number;
  slateSince: number | null;
  slateMs: number;
  /** Slate time up to the last bucket's end, so each bucket gets its own share. */
  slateMsAtLastSample: number;
  switches: number;
  destinations: Record<string, DestinationTrack>;
  /** The latest poll of each destination. */
  latestViewers: Record<string, { platform: string; count: number | null; unavailable?: string }>;
  viewerPeak: number | null;
  viewerPeakAt: number | null;
  viewersByPlatform: Record<string, PlatformViewerTrack>;
  messages: Record<string, number>;
  chatters: Record<string, string[]>;
  engagement: { events: number; byKind: Record<string, number>; amounts: Record<string, number>; byPlatform: Record<string, { events: number; amounts: Record<string, number> }> };
  /** Counts of the bucket under way. */
  bucket: { chat: Record<string, number>; engagement: Record<string, number> };
}

/** Distinct keys (platforms, kinds, currencies) a count keeps: what platforms send is not ours to trust without a bound. */
export const MAX_KEYS = 50;

const add = (to: Record<string, number>, key: string, n = 1) => {
  if (!(key in to) && Object.keys(to).length >= MAX_KEYS) return;
  to[key] = (to[key] ?? 0) + n;
};

/**
 * One broadcast session's counting: fed bus events (timestamps from the events, so durations are
 * exact) and the relay's figures at each bucket's end; gives the series' buckets and the report.
 */
export class SessionTracker {
  private readonly chatterSets = new Map<string, Set<string>>();
  private chatterCount = 0;

  constructor(readonly state: TrackerState) {
    for (const [platform, ids] of Object.entries(state.chatters)) {
      this.chatterSets.set(platform, new Set(ids));
      this.chatterCount += ids.length;
    }
  }

  static start(e: { sessionId: string; streamId: string; name: string; at: number }, bucketMs: number): SessionTracker {
    return new SessionTracker({
      id: e.sessionId,
      streamId: e.streamId,
      streamName: e.name,
      startedAt: e.at,
      bucketMs,
      lastSampleAt: e.at,
      bucketIndex: 0,
      slateSince: null,
      slateMs: 0,
      slateMsAtLastSample: 0,
      switches: 0,
      destinations: {},
      latestViewers: {},
      viewerPeak: null,
      viewerPeakAt: null,
      viewersByPlatform: {},
      messages: {},
      chatters: {},
      engagement: { events: 0, byKind: {}, amounts: {}, byPlatform: {} },
      bucket: { chat: {}, engagement: {} },
    });
  }

  destinationState(id: string, name: string, platform: string, state: OutputState, at: number, lastError: string | null): void {
    const track = (this.state.destinations[id] ??= newTrack(name, platform));
    track.name = name;
    applyState(track, state, at, lastError);
  }

  ingestLost(at: number): void {
    this.state.slateSince ??= at;
  }

  ingestResumed(at: number): void {
    if (this.state.slateSince === null) return;
    this.state.slateMs += Math.max(0, at - this.state.slateSince);
    this.state.slateSince = null;
  }

  /**
   * The stream goes on after a gap in which nobody relayed it (its node died and another took it over, or the
   * like): the gap counts as time without the publisher's picture, as the slate does, and as an outage of every
   * destination that was on, each noting why.
   */
  resumedAfterGap(from: number, at: number, why: string): void {
    const start = Math.min(from, at);
    this.ingestLost(start);
    this.ingestResumed(at);
    for (const track of Object.values(this.state.destinations)) {
      if (track.state === "idle" || track.state === "stopped") continue;
      applyState(track, "reconnecting", start, why);
    }
  }

  switched(): void {
    this.state.switches += 1;
  }

  comment(e: { platform: string; author: { id: string }; kind?: CommentKind; amount?: { value: number; currency: string } }): void {
    const s = this.state;
    const kind = e.kind ?? "message";
    if (kind === "message") {
      add(s.messages, e.platform);
      add(s.bucket.chat, e.platform);
    } else {
      const platform = (s.engagement.byPlatform[e.platform] ??= { events: 0, amounts: {} });
      // A currency is an ISO 4217 code or a platform's unit (BITS): anything longer is not one.
      const currency = e.amount?.currency.slice(0, 16);
      s.engagement.events += 1;
      platform.events += 1;
      add(s.engagement.byKind, kind);
      add(s.bucket.engagement, e.platform);
      if (e.amount && currency && Number.isFinite(e.amount.value)) {
        add(s.engagement.amounts, currency, e.amount.value);
        add(platform.amounts, currency, e.amount.value);
      }
    }
    this.chatter(e.platform, e.author.id);
  }

  private chatter(platform: string, authorId: string): void {
    let set = this.chatterSets.get(platform);
    if (!set) {
      set = new Set();
      this.chatterSets.set(platform, set);
      this.state.chatters[platform] = [];
    }
    if (set.has(authorId) || this.chatterCount >= MAX_CHATTERS) return;
    set.add(authorId);
    this.state.chatters[platform]!.push(authorId);
    this.chatterCount += 1;
  }

  viewers(e: PrismEvents["audience.viewers"]): void {
    const s = this.state;
    const count = "count" in e.viewers ? e.viewers.count : null;
    s.latestViewers[e.destinationId] = { platform: e.platform, count, ...("unavailable" in e.viewers && { unavailable: e.viewers.unavailable }) };
    const platform = (s.viewersByPlatform[e.platform] ??= { peak: null, peakAt: null, sum: 0, buckets: 0 });
    const at = Date.parse(e.at);
    const when = Number.isNaN(at) ? Date.now() : at;
    if (count === null) {
      if (platform.peak === null && "unavailable" in e.viewers) platform.unavailable = e.viewers.unavailable;
      return;
    }
    delete platform.unavailable;
    const platformNow = this.platformViewers()[e.platform] ?? count;
    if (platform.peak === null || platformNow > platform.peak) {
      platform.peak = platformNow;
      platform.peakAt = when;
    }
    const total = Object.values(s.latestViewers).reduce((sum, v) => sum + (v.count ?? 0), 0);
    if (s.viewerPeak === null || total > s.viewerPeak) {
      s.viewerPeak = total;
      s.viewerPeakAt = when;
    }
  }

  /** The latest counts summed per platform (several destinations can share one). */
  private platformViewers(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const v of Object.values(this.state.latestViewers)) if (v.count !== null) add(out, v.platform, v.count);
    return out;
  }

  /** Closes the bucket under way at `at` with the relay's figures; returns it for the series. */
  sample(at: number, live: LiveFigures | null): SessionMinute {
    const s = this.state;
    const bucketStart = s.lastSampleAt;
    const destinations: SessionMinute["destinations"] = {};
    for (const o of live?.outputs ?? []) {
      const track = s.destinations[o.id];
      if (track) {
        recordBytes(track, o.bytesOut);
        for (const w of o.warnings) addWarning(track, w);
      }
      destinations[o.id] = { state: o.state, bitrateKbps: Math.round(o.bitrateKbps) };
    }
    const viewers = this.platformViewers();
    for (const [platform, count] of Object.entries(viewers)) {
      const track = s.viewersByPlatform[platform];
      if (!track) continue;
      track.sum += count;
      track.buckets += 1;
    }
    const slateMs = this.slateMsUntil(at);
    const minute: SessionMinute = {
      index: s.bucketIndex,
      at: new Date(at).toISOString(),
      ingest: live?.ingest ? { bitrateKbps: Math.round(live.ingest.bitrateKbps), fps: round1(live.ingest.fps), source: live.ingest.source } : null,
      slateSec: round1((slateMs - (s.slateMsAtLastSample ?? 0)) / 1000),
      destinations,
      viewers,
      chat: s.bucket.chat,
      engagement: s.bucket.engagement,
      outages: Object.entries(s.destinations)
        .filter(([, t]) => downDuring(t, bucketStart))
        .map(([id]) => id),
    };
    s.bucket = { chat: {}, engagement: {} };
    s.slateMsAtLastSample = slateMs;
    s.bucketIndex += 1;
    s.lastSampleAt = at;
    return minute;
  }

  private slateMsUntil(at: number): number {
    const s = this.state;
    return s.slateMs + (s.slateSince === null ? 0 : Math.max(0, at - s.slateSince));
  }

  /** The report as of `at`: the final one when `ended` is given. */
  report(at: number, ended?: { reason: string }): SessionReport {
    const s = this.state;
    const sessionMs = Math.max(0, at - s.startedAt);
    const slateMs = this.slateMsUntil(at);
    const chatters = [...this.chatterSets.values()].reduce((n, set) => n + set.size, 0);
    const platforms = new Set([...Object.keys(s.messages), ...this.chatterSets.keys()]);
    return {
      id: s.id,
      streamId: s.streamId,
      streamName: s.streamName,
      startedAt: new Date(s.startedAt).toISOString(),
      endedAt: ended ? new Date(at).toISOString() : null,
      endReason: ended?.reason ?? null,
      durationSec: round1(sessionMs / 1000),
      slateSec: round1(slateMs / 1000),
      switches: s.switches,
      destinations: Object.entries(s.destinations).map(([id, track]) => destinationReport(id, track, at, sessionMs)),
      viewers: {
        peak: s.viewerPeak,
        peakAt: s.viewerPeakAt === null ? null : new Date(s.viewerPeakAt).toISOString(),
        byPlatform: Object.fromEntries(
          Object.entries(s.viewersByPlatform).map(([platform, v]) => [
            platform,
            {
              peak: v.peak,
              peakAt: v.peakAt === null ? null : new Date(v.peakAt).toISOString(),
              average: v.buckets > 0 ? Math.round(v.sum / v.buckets) : v.peak,
              ...(v.unavailable !== undefined && { unavailable: v.unavailable }),
            },
          ]),
        ),
      },
      chat: {
        messages: Object.values(s.messages).reduce((a, b) => a + b, 0),
        uniqueChatters: chatters,
        byPlatform: Object.fromEntries([...platforms].map((p) => [p, { messages: s.messages[p] ?? 0, uniqueChatters: this.chatterSets.get(p)?.size ?? 0 }])),
      },
      engagement: structuredClone(s.engagement),
    };
  }
}
