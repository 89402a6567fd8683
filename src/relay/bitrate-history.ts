import type { LiveStreamSnapshot } from "./relay.js";

export interface BitrateHistoryOptions {
  /** Samples kept per series (300 at one a second: five minutes). */
  samples: number;
  intervalMs: number;
}

export interface StreamBitrateHistory {
  intervalMs: number;
  /** Oldest first; the ingest's bitrate (what goes on air), kbps. */
  ingest: number[];
  /** Each destination's bitrate, kbps, 0 while it is not live; oldest first. */
  destinations: Array<{ id: string; samples: number[] }>;
}

/** One series of numbers with a fixed capacity: the oldest goes when a new one comes. */
class Ring {
  private readonly values: Float64Array;
  private next = 0;
  private filled = 0;
  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
  }
  push(value: number): void {
    this.values[this.next] = value;
    this.next = (this.next + 1) % this.values.length;
    this.filled = Math.min(this.filled + 1, this.values.length);
  }
  toArray(): number[] {
    const start = (this.next - this.filled + this.values.length) % this.values.length;
    return Array.from({ length: this.filled }, (_, i) => this.values[(start + i) % this.values.length]!);
  }
}

interface Series {
  ingest: Ring;
  destinations: Map<string, Ring>;
}

/**
 * The last minutes of each live stream's bitrates, sampled by a timer, so the dashboard's sparklines
 * start full when the page opens. Bounded: `samples` numbers per destination of a live stream; a
 * stream's series go when it stops being live, and a destination's when it leaves the stream.
 */
export class BitrateHistory {
  private readonly series = new Map<string, Series>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly liveStreams: () => LiveStreamSnapshot[],
    private readonly options: BitrateHistoryOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.sample(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** null when the stream is not live (or not sampled yet). */
  of(streamId: string): StreamBitrateHistory | null {
    const s = this.series.get(streamId);
    if (!s) return null;
    return {
      intervalMs: this.options.intervalMs,
      ingest: s.ingest.toArray(),
      destinations: [...s.destinations.entries()].map(([id, ring]) => ({ id, samples: ring.toArray() })),
    };
  }

  /** Takes one sample of every live stream; public so a test can drive it without the timer. */
  sample(): void {
    const live = this.liveStreams();
    const liveIds = new Set(live.map((s) => s.id));
    for (const id of this.series.keys()) if (!liveIds.has(id)) this.series.delete(id);
    for (const stream of live) {
      let s = this.series.get(stream.id);
      if (!s) {
        s = { ingest: new Ring(this.options.samples), destinations: new Map() };
        this.series.set(stream.id, s);
      }
      s.ingest.push(stream.ingest.bitrateKbps);
      const present = new Set(stream.outputs.map((o) => o.id));
      for (const id of s.destinations.keys()) if (!present.has(id)) s.destinations.delete(id);
      for (const o of stream.outputs) {
        let ring = s.destinations.get(o.id);
        if (!ring) s.destinations.set(o.id, (ring = new Ring(this.options.samples)));
        ring.push(o.health.state === "live" ? o.health.bitrateKbps : 0);
      }
    }
  }
}
