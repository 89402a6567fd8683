/**
 * One run of the fault bench: fresh counting receivers, a fresh Prism with one stream and a custom
 * destination per receiver, the looping publisher. In the fault run the flaky destination's
 * receiver is SIGKILLed and restarted on the same port `restarts` times; in the reference run
 * nothing is disturbed. Either way Prism's CPU and RSS are sampled over the run, its health is
 * polled at the same rate, and at the end the publisher stops, the stream ends and every receiver's
 * counts are collected.
 */
import { readFileSync } from "node:fs";
import { startPublisher, type Tracked } from "../lib/ffmpeg.js";
import { cpuTicks, CLK_TCK, freePort, rssKiB, sleep, stop, waitFor } from "../lib/proc.js";
import type { ConnectionStats } from "../lib/rtmp-sink.js";
import { waitAllLive } from "../relay/prism.js";
import { startPrism, type FaultPrism, type FaultStreamHealth } from "./prism.js";
import { firstEvent, startSinks, type SinkProcess } from "./sinks.js";

export interface RunConfig {
  kind: "reference" | "faults";
  clip: string;
  healthyCount: number;
  /** Fault run: how many times the flaky receiver is killed and restarted. */
  restarts: number;
  /** Reference run: how long to measure. */
  windowMs: number;
  warmupMs: number;
  pollMs: number;
  upMs: [number, number];
  downMs: [number, number];
  /** Longest wait for a restarted receiver to get media again before it is counted as not recovered. */
  recoveryTimeoutMs: number;
  random: () => number;
  log: (msg: string) => void;
}

export interface Usage {
  windowMs: number;
  cpuPct: number;
  /** CPU % in each quarter of the window. */
  partsPct: number[];
  rssEndMiB: number;
  rssMaxMiB: number;
  /** The whole machine's busy CPU over the window, % of all cores (from /proc/stat): other load competes with Prism. */
  machineBusyPct: number;
}

export interface Restart {
  n: number;
  killAt: number;
  plannedDownMs: number;
  /** When the restarted receiver listened again (its own clock reading). */
  listenAt: number;
  acceptedAt: number | null;
  mediaAt: number | null;
  keyframeAt: number | null;
  /** First health poll that showed the destination live again with one more reconnect. */
  healthLiveAt: number | null;
  /** When Prism had scheduled the retry that succeeded (health's last nextRetryAt before live). */
  retryAt: number | null;
  /** Highest `attempt` health showed during the outage (the retry number that succeeded, roughly). */
  maxAttempt: number;
}

export interface DestinationResult {
  name: string;
  port: number;
  /** Prism's figures at the end, after the stream ended. */
  bytesOut: number | null;
  reconnects: number | null;
  state: string | null;
  lastError: string | null;
  /** The receiver's counts, one entry per connection it saw. */
  connections: ConnectionStats[];
}

export interface RunResult {
  kind: RunConfig["kind"];
  usage?: Usage;
  restarts: Restart[];
  healthy: DestinationResult[];
  flaky?: DestinationResult;
  publisherKbps: number;
  ingest: { bitrateKbps: number; fps: number } | null;
  polls: number;
  warnings: string[];
  error?: string;
}

interface Sample {
  at: number;
  health: FaultStreamHealth;
}

const FLAKY = "flaky";

/** Busy and total jiffies of all CPUs together, from the first line of /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

/** Samples utime+stime and VmRSS of one process every second until stopped. */
function sampleUsage(pid: number): { stop(): Usage } {
  const points: Array<{ t: number; ticks: number; rss: number }> = [];
  const machineStart = machineTicks();
  const take = () => {
    const ticks = cpuTicks(pid);
    const rss = rssKiB(pid);
    if (ticks !== undefined && rss !== undefined) points.push({ t: performance.now(), ticks, rss });
  };
  take();
  const timer = setInterval(take, 1000);
  return {
    stop() {
      clearInterval(timer);
      take();
      const first = points[0]!;
      const last = points[points.length - 1]!;
      const pct = (a: { t: number; ticks: number }, b: { t: number; ticks: number }) =>
        b.t > a.t ? (((b.ticks - a.ticks) / CLK_TCK) * 100) / ((b.t - a.t) / 1000) : 0;
      const partsPct: number[] = [];
      for (let q = 0; q < 4; q++) {
        const from = points[Math.round(((points.length - 1) * q) / 4)]!;
        const to = points[Math.round(((points.length - 1) * (q + 1)) / 4)]!;
        partsPct.push(pct(from, to));
      }
      const machineEnd = machineTicks();
      const total = machineEnd.total - machineStart.total;
      return {
        machineBusyPct: total > 0 ? ((machineEnd.busy - machineStart.busy) * 100) / total : 0,
        windowMs: last.t - first.t,
        cpuPct: pct(first, last),
        partsPct,
        rssEndMiB: last.rss / 1024,
        rssMaxMiB: Math.max(...points.map((p) => p.rss)) / 1024,
      };
    },
  };
}

/** Polls /health every `ms` until stopped; each answer is kept with the time it arrived. */
function pollHealth(prism: FaultPrism, ms: number): { samples: Sample[]; stop(): Promise<void> } {
  const samples: Sample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const next = Date.now() + ms;
      try {
        const health = await prism.health();
        samples.push({ at: Date.now(), health });
      } catch {
        // Prism busy or gone; the run's checks report that
      }
      await sleep(Math.max(0, next - Date.now()));
    }
  })();
  return {
    samples,
    async stop() {
      running = false;
      await loop;
    },
  };
}

const between = (range: [number, number], random: () => number) => range[0] + random() * (range[1] - range[0]);

export async function runOnce(cfg: RunConfig): Promise<RunResult> {
  const result: RunResult = { kind: cfg.kind, restarts: [], healthy: [], publisherKbps: 0, ingest: null, polls: 0, warnings: [] };
  const warn = (msg: string) => {
    result.warnings.push(msg);
    cfg.log(`WARNING (${cfg.kind}): ${msg}`);
  };
  const faults = cfg.kind === "faults";
  const sinks: SinkProcess[] = [];
  let prism: FaultPrism | undefined;
  let publisher: Tracked | undefined;
  let poller: ReturnType<typeof pollHealth> | undefined;

  try {
    const healthyPorts: number[] = [];
    for (let i = 0; i < cfg.healthyCount; i++) healthyPorts.push(await freePort());
    const flakyPort = await freePort();
    const healthyNames = healthyPorts.map((_, i) => `healthy-${i + 1}`);

    // One process for the healthy receivers, one for the flaky destination's receiver (the one the
    // fault run kills). The reference run keeps the flaky one's messages too: it is healthy there.
    const healthy = startSinks("healthy receivers", healthyPorts, { keepMessages: true });
    let flaky = startSinks("flaky receiver #0", [flakyPort], { keepMessages: !faults });
    sinks.push(healthy, flaky);
    await Promise.all([healthy.waitListening(20_000), flaky.waitListening(20_000)]);

    prism = await startPrism([...healthyPorts, flakyPort], [...healthyNames, FLAKY]);
    const p = prism;
    publisher = startPublisher(cfg.clip, p.publishUrl);
    const pub = publisher;
    if (!(await waitFor(() => pub.progress.bytes > 0 || !pub.proc.running(), 15_000)) || !pub.proc.running()) {
      throw new Error(`the publisher could not publish to ${p.publishUrl}:\n${pub.proc.tail()}`);
    }
    const live = await waitAllLive(p, healthyPorts.length + 1, 20_000);
    if (!live.ok) {
      const states = live.health?.destinations.map((d) => `${d.name}=${d.state}${d.lastError ? ` (${d.lastError})` : ""}`).join(", ");
      warn(`not every destination went live: ${states ?? "no health"}${p.proc.running() ? "" : `; Prism exited:\n${p.proc.tail()}`}`);
    }

    // Polled from here on in both runs, so the API's own cost is the same in both.
    poller = pollHealth(p, cfg.pollMs);
    cfg.log(`${cfg.kind}: stream flowing to ${healthyPorts.length + 1} receivers, warming up ${cfg.warmupMs / 1000} s`);
    await sleep(cfg.warmupMs);

    const pubBefore = pub.progress.snapshot();
    const usage = sampleUsage(p.proc.pid);
    const lives: SinkProcess[] = [flaky];
    if (!faults) {
      cfg.log(`reference: measuring ${cfg.windowMs / 1000} s, no faults (pid ${p.proc.pid})`);
      await sleep(cfg.windowMs);
    } else {
      cfg.log(`faults: ${cfg.restarts} kill/restart cycles of the flaky receiver on :${flakyPort} (pid ${p.proc.pid})`);
      let listenAt = flaky.listeningAt(flakyPort)!;
      // Each replacement is started while its predecessor still runs and listens on a signal.
      let standby = startSinks("flaky receiver #1", [flakyPort], { standby: true });
      sinks.push(standby);
      for (let n = 1; n <= cfg.restarts; n++) {
        // Up for 2–5 s from listening, and in any case until the receiver has had media for 1 s:
        // every kill then cuts a live connection, and every restart's recovery gets measured.
        const upUntil = listenAt + between(cfg.upMs, cfg.random);
        const current = flaky;
        const next = standby;
        await waitFor(() => {
          const media = firstEvent(current, "media", flakyPort);
          const now = Date.now();
          if (now - listenAt > cfg.recoveryTimeoutMs) return true;
          return now >= upUntil && media !== undefined && now >= media.at + 1000;
        }, cfg.recoveryTimeoutMs + 1000, 20);
        if (!p.proc.running()) throw new Error(`Prism exited during the fault run:\n${p.proc.tail()}`);
        if (!(await waitFor(() => next.ready() || !next.proc.running(), 20_000, 20)) || !next.proc.running()) {
          throw new Error(`flaky receiver #${n} did not get ready:\n${next.proc.tail()}`);
        }

        const downMs = between(cfg.downMs, cfg.random);
        const killAt = Date.now();
        try {
          process.kill(current.proc.pid, "SIGKILL");
        } catch {
          warn(`flaky receiver #${n - 1} was already gone at kill ${n}`);
        }
        await current.proc.exited;
        await sleep(Math.max(0, killAt + downMs - Date.now()));
        next.release();
        await next.waitListening(20_000);
        flaky = next;
        lives.push(next);
        listenAt = next.listeningAt(flakyPort)!;
        result.restarts.push({
          n,
          killAt,
          plannedDownMs: downMs,
          listenAt,
          acceptedAt: null,
          mediaAt: null,
          keyframeAt: null,
          healthLiveAt: null,
          retryAt: null,
          maxAttempt: 0,
        });
        if (n < cfg.restarts) {
          standby = startSinks(`flaky receiver #${n + 1}`, [flakyPort], { standby: true });
          sinks.push(standby);
        }
        if (n % 5 === 0 || n === cfg.restarts) cfg.log(`faults: ${n}/${cfg.restarts} restarts`);
      }
      // Let the last restart recover (and run a moment) before the window closes.
      const last = flaky;
      await waitFor(() => {
        const media = firstEvent(last, "media", flakyPort);
        return (media !== undefined && Date.now() >= media.at + 2000) || Date.now() - listenAt > cfg.recoveryTimeoutMs;
      }, cfg.recoveryTimeoutMs + 3000, 20);
    }
    result.usage = usage.stop();
    result.publisherKbps = ((pub.progress.snapshot().bytes - pubBefore.bytes) * 8) / (Date.now() - pubBefore.at);
    await poller.stop();
    const samples = poller.samples;
    result.polls = samples.length;
    const lastSample = samples[samples.length - 1];
    if (lastSample?.health.ingest) result.ingest = { bitrateKbps: lastSample.health.ingest.bitrateKbps, fps: lastSample.health.ingest.fps };

    // Recovery of each restart, from the receivers' events and the health polls.
    for (const r of result.restarts) {
      const sink = lives[r.n]!;
      r.acceptedAt = firstEvent(sink, "accepted", flakyPort)?.at ?? null;
      r.mediaAt = firstEvent(sink, "media", flakyPort)?.at ?? null;
      r.keyframeAt = firstEvent(sink, "keyframe", flakyPort)?.at ?? null;
      const flakyOf = (s: Sample) => s.health.destinations.find((d) => d.name === FLAKY);
      const before = [...samples].reverse().find((s) => s.at <= r.killAt);
      const reconnectsAtKill = (before && flakyOf(before)?.reconnects) ?? 0;
      const liveSample = samples.find((s) => {
        const d = flakyOf(s);
        return s.at >= r.listenAt && d?.state === "live" && d.reconnects > reconnectsAtKill;
      });
      r.healthLiveAt = liveSample?.at ?? null;
      const outage = samples.filter((s) => s.at > r.killAt && (liveSample === undefined || s.at < liveSample.at));
      for (const s of outage) {
        const d = flakyOf(s);
        if (!d) continue;
        r.maxAttempt = Math.max(r.maxAttempt, d.attempt);
        if (d.nextRetryAt) r.retryAt = Date.parse(d.nextRetryAt);
      }
    }
    const stillOut = result.restarts.filter((r) => r.mediaAt === null).length;
    if (stillOut > 0) warn(`${stillOut} restart(s) got no media within ${cfg.recoveryTimeoutMs / 1000} s`);
    if (!pub.proc.running()) warn(`the publisher exited during the run: ${pub.proc.tail().slice(-300)}`);

    // End the stream: the publisher stops, Prism ends the stream, every output closes and every
    // receiver reports its final counts.
    cfg.log(`${cfg.kind}: stopping the publisher; waiting for the outputs to close`);
    await stop(pub.proc);
    const openConnections = () =>
      sinks.filter((s) => s.proc.running()).reduce((n, s) => n + s.events.filter((e) => e.ev === "accepted").length - s.closed.length, 0);
    const ended = await waitFor(async () => {
      const h = await p.health().catch(() => undefined);
      return h !== undefined && !h.live && openConnections() === 0;
    }, 20_000, 200);
    if (!ended) warn(`the stream did not end cleanly within 20 s (${openConnections()} receiver connection(s) still open)`);
    const final = await p.health();
    const destination = (name: string, port: number, from: SinkProcess[]): DestinationResult => {
      const d = final.destinations.find((x) => x.name === name);
      const connections = from.flatMap((s) => s.closed.filter((c) => c.port === port)).sort((a, b) => a.acceptedAt - b.acceptedAt);
      return {
        name,
        port,
        bytesOut: d?.bytesOut ?? null,
        reconnects: d?.reconnects ?? null,
        state: d?.state ?? null,
        lastError: d?.lastError ?? null,
        connections,
      };
    };
    result.healthy = healthyPorts.map((port, i) => destination(healthyNames[i]!, port, [healthy]));
    const flakyResult = destination(FLAKY, flakyPort, lives);
    if (faults) result.flaky = flakyResult;
    else result.healthy.push(flakyResult); // nothing disturbs it in the reference run
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    cfg.log(`ERROR (${cfg.kind}): ${result.error}`);
  } finally {
    await poller?.stop();
    if (publisher) await stop(publisher.proc);
    if (prism) await prism.stop();
    await Promise.all(sinks.map((s) => stop(s.proc, 3000)));
  }
  return result;
}
