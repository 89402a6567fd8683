/**
 * One capacity scenario: S looping 6 Mbps publishers, each relayed to 4 counting receivers, by
 * Prism or by nginx-rtmp push; warm up, then over one window measure the relay's CPU and RSS, every
 * receiver's bytes against its publisher's, and for Prism its event-loop delay p99 (its own
 * /metrics) and the p99 of GET /api/v1/streams/:id/health polled while it runs.
 */
import { startPublisher, type Tracked } from "../lib/ffmpeg.js";
import { freePort, measure, sleep, stop, waitFor, type Usage } from "../lib/proc.js";
import { startSinks, type SinkProcess } from "../faults/sinks.js";
import { startNginxApps, type NginxInstall } from "../relay/nginx.js";
import { launchPrism, type LaunchedPrism, type StreamHealth } from "../relay/prism.js";
import { HealthPoller } from "./health-poller.js";
import { startBareHealth } from "./bare-health.js";
import { EVENT_LOOP_SAMPLE_MS, eventLoopDelaySeconds } from "../../src/metrics/metrics.js";

/** Publishers started per second (see where they start). */
const PUBLISHERS_PER_SECOND = 16;

/** How the event-loop figure is read, for the report. */
export const LOOP_DELAY_METHOD = `nodejs_eventloop_lag_p99_seconds over the window minus its ${EVENT_LOOP_SAMPLE_MS} ms sampling interval (each sample spans one interval)`;

export type Impl = "prism" | "nginx";
export const IMPL_LABEL: Record<Impl, string> = { prism: "Prism", nginx: "nginx-rtmp push" };

export const GOALS = { minBytesRatio: 0.99, loopP99Ms: 20, healthP99Ms: 10 } as const;

export interface CapacityConfig {
  clip: string;
  nginx: NginxInstall;
  destinations: number;
  warmupMs: number;
  windowMs: number;
  /** Receiver processes the sinks are spread over. */
  sinkProcesses: number;
  /** Health requests per second while the window runs (Prism). */
  healthRate: number;
  log: (msg: string) => void;
}

export interface CapacityResult {
  impl: Impl;
  streams: number;
  usage?: Usage;
  /** Outputs that carried media through the window, of streams x destinations. */
  outputsLive: number;
  /** Lowest receiver bytes / its publisher's bytes over the window. */
  minBytesRatio: number | null;
  loopP99Ms: number | null;
  health: { p50Ms: number; p99Ms: number; count: number; failed: number } | null;
  /** The same polling of a bare Node HTTP server in the same window: what the loaded machine alone costs. */
  reference: { p50Ms: number; p99Ms: number; count: number; failed: number } | null;
  failures: string[];
  error?: string;
}

/** A byte counter's samples over time, read at any instant by linear interpolation. */
class ByteSeries {
  private readonly at: number[] = [];
  private readonly bytes: number[] = [];

  add(at: number, bytes: number): void {
    const last = this.at.length - 1;
    if (last >= 0 && at <= this.at[last]!) {
      this.bytes[last] = Math.max(this.bytes[last]!, bytes); // a newer count for the same instant
      return;
    }
    this.at.push(at);
    this.bytes.push(bytes);
  }

  /** Bytes at `t` (ms since the epoch); undefined before the first sample or after the last. */
  valueAt(t: number): number | undefined {
    const i = this.at.findIndex((a) => a >= t);
    if (i < 0) return undefined;
    if (i === 0) return this.at[0] === t ? this.bytes[0] : undefined;
    const [a0, a1, b0, b1] = [this.at[i - 1]!, this.at[i]!, this.bytes[i - 1]!, this.bytes[i]!];
    return b0 + ((b1 - b0) * (t - a0)) / (a1 - a0);
  }
}

/** Each receiver's media bytes over time, from the sinks' progress lines (port → series). */
function receiverSeries(sinks: SinkProcess[]): Map<number, ByteSeries> {
  const series = new Map<number, ByteSeries>();
  for (const sink of sinks) {
    for (const e of sink.events) {
      if (e.ev !== "progress") continue;
      let s = series.get(e.port);
      if (!s) series.set(e.port, (s = new ByteSeries()));
      s.add(e.at, e.mediaBytes);
    }
  }
  return series;
}

/** Latest media bytes of each receiver (port → bytes). */
function receiverBytes(sinks: SinkProcess[]): Map<number, number> {
  const bytes = new Map<number, number>();
  for (const sink of sinks) {
    for (const e of sink.events) if (e.ev === "progress") bytes.set(e.port, e.mediaBytes);
  }
  return bytes;
}

export function passed(r: CapacityResult): boolean {
  return !r.error && r.failures.length === 0;
}

export async function runCapacity(impl: Impl, streams: number, cfg: CapacityConfig): Promise<CapacityResult> {
  const result: CapacityResult = { impl, streams, outputsLive: 0, minBytesRatio: null, loopP99Ms: null, health: null, reference: null, failures: [] };
  const fail = (msg: string) => {
    result.failures.push(msg);
    cfg.log(`${IMPL_LABEL[impl]} ×${streams}: ${msg}`);
  };
  const publishers: Tracked[] = [];
  const sinks: SinkProcess[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  let poller: HealthPoller | undefined;
  let reference: HealthPoller | undefined;
  let sampler: NodeJS.Timeout | undefined;
  try {
    // Receivers: streams x destinations ports, spread over a few processes (their CPU is not counted).
    // A port free a moment ago may be taken by another program meanwhile: then try other ports.
    let ports: number[][] = [];
    for (let attempt = 1; ; attempt++) {
      ports = [];
      for (let s = 0; s < streams; s++) {
        const row: number[] = [];
        for (let d = 0; d < cfg.destinations; d++) row.push(await freePort());
        ports.push(row);
      }
      const all = ports.flat();
      const per = Math.ceil(all.length / cfg.sinkProcesses);
      for (let i = 0; i < all.length; i += per) sinks.push(startSinks(`sinks ${i / per + 1}`, all.slice(i, i + per), { progressMs: 250 }));
      try {
        await Promise.all(sinks.map((s) => s.waitListening(20_000)));
        break;
      } catch (err) {
        await Promise.all(sinks.splice(0).map((s) => stop(s.proc, 3000)));
        if (attempt === 3) throw err;
        cfg.log(`receivers could not listen (${(err as Error).message.split("\n").pop()}); other ports`);
      }
    }
    const all = ports.flat();

    let publishUrls: string[];
    let pids: () => number[];
    let prism: LaunchedPrism | undefined;
    const streamIds: string[] = [];
    if (impl === "prism") {
      prism = await launchPrism("prism-capacity-");
      cleanups.push(prism.cleanup);
      publishUrls = [];
      for (const [s, row] of ports.entries()) {
        const stream = await prism.call<{ id: string; ingestUrl: string; streamKey: string }>("POST", "/streams", { name: `capacity ${s + 1}` }, 201);
        for (const [d, port] of row.entries()) {
          await prism.call("POST", `/streams/${stream.id}/destinations`, { platform: "custom", name: `r${d + 1}`, url: `rtmp://127.0.0.1:${port}/app`, streamKey: "k" }, 201);
        }
        streamIds.push(stream.id);
        publishUrls.push(`${stream.ingestUrl}/${stream.streamKey}`);
      }
      const pid = prism.proc.pid;
      pids = () => [pid];
    } else {
      const port = await freePort();
      const nginx = await startNginxApps(cfg.nginx, port, ports.map((row, s) => ({ name: `s${s + 1}`, pushTo: row })));
      cleanups.push(nginx.stop);
      publishUrls = ports.map((_, s) => `rtmp://127.0.0.1:${port}/s${s + 1}/x`);
      pids = nginx.pids;
    }

    // All from 127.0.0.1: started at once, more than 32 would be mid-handshake together, and Prism's ingest
    // closes an address's 33rd unfinished connection (its bound on half-open connections per address). Streamers
    // publish from addresses of their own; so that the search measures capacity, not that bound, the
    // publishers start in groups of 16, 1 s apart (nginx gets the same start).
    for (const [i, url] of publishUrls.entries()) {
      if (i > 0 && i % PUBLISHERS_PER_SECOND === 0) await sleep(1000);
      publishers.push(startPublisher(cfg.clip, url));
    }
    // ffmpeg's progress lines come about twice a second: sample them with their time, to read any instant.
    const pubSeries = publishers.map(() => new ByteSeries());
    sampler = setInterval(() => publishers.forEach((p, i) => p.progress.updatedAt > 0 && pubSeries[i]!.add(p.progress.updatedAt, p.progress.bytes)), 50);
    const flowing = await waitFor(() => {
      const bytes = receiverBytes(sinks);
      return all.every((p) => (bytes.get(p) ?? 0) > 0);
    }, 60_000, 500);
    if (!flowing) cfg.log(`${IMPL_LABEL[impl]} ×${streams}: not every receiver has media after 60 s; measuring anyway`);
    if (prism) {
      const p = prism;
      const allLive = await waitFor(async () => {
        const healths = await Promise.all(streamIds.map((id) => p.call<StreamHealth>("GET", `/streams/${id}/health`).catch(() => undefined)));
        return healths.every((h) => h?.live && h.destinations.every((d) => d.state === "live"));
      }, 30_000, 500);
      if (!allLive) cfg.log(`${IMPL_LABEL[impl]} ×${streams}: not every destination live after 30 s; measuring anyway`);
    }
    cfg.log(`${IMPL_LABEL[impl]} ×${streams}: flowing; warming up ${cfg.warmupMs / 1000} s`);
    await sleep(cfg.warmupMs);

    // Health requests from their own thread, polling before the window opens.
    if (prism) {
      poller = new HealthPoller(prism, streamIds, cfg.healthRate);
      await poller.start();
      // The reference answers with what Prism answered, so both carry the same bytes.
      const body = JSON.stringify(await prism.call("GET", `/streams/${streamIds[0]}/health`));
      const bare = await startBareHealth(prism.token, body);
      cleanups.push(bare.stop);
      reference = new HealthPoller(bare, streamIds, cfg.healthRate);
      await reference.start();
    }
    // Window start: publisher and receiver byte counts, the event-loop histogram reset by a scrape.
    if (prism) await scrapeLoopP99(prism);
    const windowStart = Date.now();
    cfg.log(`${IMPL_LABEL[impl]} ×${streams}: measuring ${cfg.windowMs / 1000} s`);
    result.usage = await measure(pids, cfg.windowMs, 4);
    await Promise.all([poller?.stop(), reference?.stop()]);
    if (prism) result.loopP99Ms = await scrapeLoopP99(prism);
    const windowEnd = Date.now();
    // Samples on both sides of the window's end, for the interpolation (ffmpeg's progress lines come late under load).
    await waitFor(() => pubSeries.every((p) => p.valueAt(windowEnd) !== undefined) && [...receiverSeries(sinks).values()].every((r) => r.valueAt(windowEnd) !== undefined), 8000, 250);
    clearInterval(sampler);
    const recv = receiverSeries(sinks);
    const delta = (s: ByteSeries | undefined) => (s?.valueAt(windowEnd) ?? 0) - (s?.valueAt(windowStart) ?? 0);

    let minRatio = Infinity;
    let lowest = "";
    for (const [s, row] of ports.entries()) {
      const sent = delta(pubSeries[s]);
      for (const port of row) {
        const got = delta(recv.get(port));
        const ratio = sent > 0 ? got / sent : 0;
        if (!(ratio >= minRatio)) {
          minRatio = ratio;
          lowest = ` (stream ${s + 1}, receiver :${port}: ${(got / 1e6).toFixed(2)} of ${(sent / 1e6).toFixed(2)} MB)`;
        }
        if (got > 0) result.outputsLive += 1;
      }
    }
    result.minBytesRatio = Number.isFinite(minRatio) ? minRatio : null;
    if (poller) result.health = poller.summary();
    if (reference) result.reference = reference.summary();

    const outputs = streams * cfg.destinations;
    if (result.outputsLive < outputs) fail(`${outputs - result.outputsLive} of ${outputs} outputs got nothing in the window`);
    if (result.minBytesRatio !== null && result.minBytesRatio < GOALS.minBytesRatio) fail(`a receiver got ${(result.minBytesRatio * 100).toFixed(2)} % of its publisher's bytes${lowest}`);
    if (result.loopP99Ms !== null && result.loopP99Ms >= GOALS.loopP99Ms) fail(`event-loop delay p99 ${result.loopP99Ms.toFixed(1)} ms`);
    if (result.health && result.health.p99Ms >= GOALS.healthP99Ms) fail(`health p99 ${result.health.p99Ms.toFixed(1)} ms`);
    if (result.health && result.health.failed > 0) fail(`${result.health.failed} health requests failed`);
    const deadPubs = publishers.filter((p) => !p.proc.running()).length;
    if (deadPubs > 0) fail(`${deadPubs} publisher(s) exited`);
    if (result.usage.lost.length > 0) fail(`relay process(es) exited: ${result.usage.lost.join(" ")}`);
    if (prism) {
      const p = prism;
      const healths = await Promise.all(streamIds.map((id) => p.call<StreamHealth>("GET", `/streams/${id}/health`)));
      const notLive = healths.flatMap((h) => h.destinations.filter((d) => d.state !== "live"));
      const reconnects = healths.flatMap((h) => h.destinations).reduce((n, d) => n + d.reconnects, 0);
      if (notLive.length > 0) fail(`${notLive.length} destination(s) not live at the end`);
      if (reconnects > 0) fail(`${reconnects} reconnect(s)`);
    }
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    cfg.log(`ERROR ${IMPL_LABEL[impl]} ×${streams}: ${result.error}`);
  } finally {
    clearInterval(sampler);
    await Promise.all([poller?.stop(), reference?.stop()]);
    await Promise.all(publishers.map((p) => stop(p.proc)));
    for (const c of cleanups.reverse()) await c();
    await Promise.all(sinks.map((s) => stop(s.proc, 3000)));
  }
  return result;
}

/**
 * Prism's event-loop delay p99 since the last scrape (prom-client resets the histogram at each), ms:
 * how late its sampling timer ran, i.e. the lag figure less the sampling interval it includes.
 */
async function scrapeLoopP99(prism: LaunchedPrism): Promise<number> {
  const res = await fetch(`${prism.origin}/metrics`, { headers: { authorization: `Bearer ${prism.token}` } });
  const text = await res.text();
  const line = text.split("\n").find((l) => l.startsWith("nodejs_eventloop_lag_p99_seconds "));
  if (!line) throw new Error("Prism's /metrics has no nodejs_eventloop_lag_p99_seconds");
  return eventLoopDelaySeconds(Number(line.split(" ")[1])) * 1000;
}
