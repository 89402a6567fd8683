/**
 * Polls GET /api/v1/streams/:id/health round the streams at a fixed rate while a capacity window
 * runs, open-loop (request i goes out at t0 + i/rate whether or not the last was answered), and
 * times each from issue to answer.
 *
 * The requests go out from a worker thread of their own: the bench's main thread also follows 16+
 * publishers' progress and samples byte counts, and its event-loop delay (p99 14–30 ms measured on a
 * loaded machine) would otherwise be counted as Prism's health latency.
 */
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

interface PollerJob {
  origin: string;
  token: string;
  streamIds: string[];
  rate: number;
}
interface PollerResult {
  durations: number[];
  failed: number;
}

/** Where to poll: Prism, or the bare reference server (bare-health.ts). */
export interface HealthTarget {
  origin: string;
  token: string;
}

export class HealthPoller {
  private worker: Worker | null = null;
  private result: Promise<PollerResult> | null = null;
  private final: PollerResult = { durations: [], failed: 0 };

  constructor(
    private readonly target: HealthTarget,
    private readonly streamIds: string[],
    private readonly rate: number,
  ) {}

  /** Resolves once the thread sends its first request (loading it takes a second or two). */
  async start(): Promise<void> {
    const job: PollerJob = { origin: this.target.origin, token: this.target.token, streamIds: this.streamIds, rate: this.rate };
    // The thread runs this same file, through tsx's loader (which threads do not inherit).
    const boot = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const worker = new Worker(boot, { eval: true, workerData: job });
    this.worker = worker;
    let started!: () => void;
    const polling = new Promise<void>((resolve) => (started = resolve));
    this.result = new Promise((resolve, reject) => {
      worker.on("message", (message: "polling" | PollerResult) => (message === "polling" ? started() : resolve(message)));
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`the health poller's thread exited (${code}) before answering`)));
    });
    this.result.catch(() => {}).finally(started); // a thread that failed to start must not hang the bench
    await polling;
  }

  /** Stops sending, waits for the requests in flight and keeps their timings. */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = null;
    worker.postMessage("stop");
    try {
      this.final = await this.result!;
    } finally {
      await worker.terminate();
    }
  }

  summary(): { p50Ms: number; p99Ms: number; count: number; failed: number } {
    const sorted = [...this.final.durations].sort((a, b) => a - b);
    const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
    return { p50Ms: rank(0.5), p99Ms: rank(0.99), count: sorted.length, failed: this.final.failed };
  }
}

/** The worker thread's side: paced requests until told to stop, then every timing back at once. */
function poll({ origin, token, streamIds, rate }: PollerJob): void {
  const result: PollerResult = { durations: [], failed: 0 };
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  const issue = (streamId: string) => {
    const started = performance.now();
    const request = fetch(`${origin}/api/v1/streams/${streamId}/health`, { headers: { authorization: `Bearer ${token}` } })
      .then(async (res) => {
        await res.arrayBuffer();
        if (res.status === 200) result.durations.push(performance.now() - started);
        else result.failed += 1;
      })
      .catch(() => {
        result.failed += 1;
      })
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  };
  const t0 = performance.now();
  let timer: NodeJS.Timeout | null = null;
  const tick = () => {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate) + 1;
    while (sent < due) issue(streamIds[sent++ % streamIds.length]!);
    timer = setTimeout(tick, Math.max(1, 1000 / rate / 2));
  };
  tick();
  parentPort!.postMessage("polling");
  parentPort!.once("message", async () => {
    if (timer) clearTimeout(timer);
    await Promise.all(inFlight);
    parentPort!.postMessage(result);
  });
}

if (!isMainThread && (workerData as PollerJob | undefined)?.origin) poll(workerData as PollerJob);
