/**
 * Polls GET /api/v1/streams/:id/health round the streams at a fixed rate while a capacity window
 * runs, open-loop (request i goes out at t0 + i/rate whether or not the last was answered), and
 * times each from issue to answer.
 */
import type { LaunchedPrism } from "../relay/prism.js";

export class HealthPoller {
  private readonly durations: number[] = [];
  private failed = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private sent = 0;

  constructor(
    private readonly prism: LaunchedPrism,
    private readonly streamIds: string[],
    private readonly rate: number,
  ) {}

  start(): void {
    const t0 = performance.now();
    const tick = () => {
      const due = Math.floor(((performance.now() - t0) / 1000) * this.rate) + 1;
      while (this.sent < due) this.issue(this.streamIds[this.sent++ % this.streamIds.length]!);
      this.timer = setTimeout(tick, Math.max(1, 1000 / this.rate / 2));
    };
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await Promise.all(this.inFlight);
  }

  summary(): { p50Ms: number; p99Ms: number; count: number; failed: number } {
    const sorted = [...this.durations].sort((a, b) => a - b);
    const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
    return { p50Ms: rank(0.5), p99Ms: rank(0.99), count: sorted.length, failed: this.failed };
  }

  private issue(streamId: string): void {
    const started = performance.now();
    const request = fetch(`${this.prism.origin}/api/v1/streams/${streamId}/health`, { headers: { authorization: `Bearer ${this.prism.token}` } })
      .then(async (res) => {
        await res.arrayBuffer();
        if (res.status === 200) this.durations.push(performance.now() - started);
        else this.failed += 1;
      })
      .catch(() => {
        this.failed += 1;
      })
      .finally(() => this.inFlight.delete(request));
    this.inFlight.add(request);
  }
}
