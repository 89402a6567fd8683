/**
 * API latency under a live relay: requests/s and p50/p99 latency of
 * GET /api/v1/streams/:id/health while 20 streams × 4 destinations are live.
 *
 *   npm run bench:api [-- --streams=20 --destinations=4 --rate=1000 --seconds=20 --connections=10 --no-build]
 *
 * Prints figures; asserts nothing. Goal (issue #8): p99 < 5 ms at 1,000 requests/s.
 */
import { cpus, loadavg } from "node:os";
import { ffmpegVersion, startPublisher } from "../lib/ffmpeg.js";
import { freePort, installCleanup, measure, spawnTracked, stop, stopAll, waitFor, waitListening } from "../lib/proc.js";
import { buildPrism, launchPrism, prismRevision, repoRoot } from "../relay/prism.js";
import { startSinks } from "../faults/sinks.js";
import { SMALL_CLIP, ensureSmallClip } from "./clip.js";
import type { LoadOptions, LoadResult } from "./load.js";
import { parseBuckets, summarize } from "./server-latency.js";

const started = Date.now();
const log = (msg: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);
const option = (name: string, fallback: number) => {
  const raw = process.argv.slice(2).find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
};
const STREAMS = option("streams", 20);
const DESTINATIONS = option("destinations", 4);
const RATE = option("rate", 1000);
const SECONDS = option("seconds", 20);
const CONNECTIONS = option("connections", 10);
const build = !process.argv.includes("--no-build");

/** One load phase in its own process (see load.ts). */
async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let json = "";
  const proc = spawnTracked(`load: ${options.label}`, process.execPath, ["--import", "tsx", "bench/api/load.ts", JSON.stringify(options)], {
    cwd: repoRoot,
    onStdoutLine: (line) => {
      if (line.startsWith("{")) json = line;
    },
  });
  const code = await proc.exited;
  if (code !== 0 || !json) throw new Error(`the load generator failed (exit ${String(code)}):\n${proc.tail()}`);
  return JSON.parse(json) as LoadResult;
}

interface Health {
  live: boolean;
  destinations: Array<{ state: string; bitrateKbps: number }>;
}

async function main(): Promise<void> {
  installCleanup();
  const loadBefore = loadavg()[0]!;
  if (build) {
    log("npm run build");
    await buildPrism();
  }
  const clip = await ensureSmallClip(log);

  log("starting Prism and the RTMP sink that stands in for every destination");
  // The limiter stays in the request path (its cost is part of the figure) but never trips.
  const prism = await launchPrism("prism-bench-api-", { PRISM_API_RATE_LIMIT: "100000000" });
  // One counting RTMP sink process (bench/lib/rtmp-sink.ts) takes all the destinations' publishes,
  // so 80 receivers cost one process instead of 80 ffmpegs on a 2-core machine.
  const sinkPort = await freePort();
  const sink = startSinks("rtmp sink", [sinkPort]);
  await sink.waitListening(15_000);
  const publishing = () => sink.events.filter((e) => e.ev === "publish").length - sink.closed.length;

  const streams: Array<{ id: string; publishUrl: string }> = [];
  for (let s = 0; s < STREAMS; s++) {
    const created = await prism.call<{ id: string; ingestUrl: string; streamKey: string }>("POST", "/streams", { name: `bench ${s + 1}` }, 201);
    for (let d = 0; d < DESTINATIONS; d++) {
      await prism.call("POST", `/streams/${created.id}/destinations`, { platform: "custom", name: `dest ${d + 1}`, url: `rtmp://127.0.0.1:${sinkPort}/app`, streamKey: `s${s + 1}d${d + 1}` }, 201);
    }
    streams.push({ id: created.id, publishUrl: `${created.ingestUrl}/${created.streamKey}` });
  }
  log(`publishing ${STREAMS} looped copies of the ${SMALL_CLIP.size} clip (-c copy)`);
  const publishers = streams.map((s) => startPublisher(clip, s.publishUrl));

  const liveCount = async () => {
    const all = await Promise.all(streams.map((s) => prism.call<Health>("GET", `/streams/${s.id}/health`)));
    return all.reduce((n, h) => n + (h.live ? h.destinations.filter((d) => d.state === "live").length : 0), 0);
  };
  const allLive = await waitFor(async () => (await liveCount()) === STREAMS * DESTINATIONS, 90_000, 1000);
  if (!allLive) throw new Error(`only ${await liveCount()} of ${STREAMS * DESTINATIONS} destinations went live`);
  log(`all ${STREAMS * DESTINATIONS} destinations live; Prism's CPU without API load`);
  const relayOnly = await measure(() => [prism.proc.pid], 5000, 1);
  const closedBefore = sink.closed.length;

  const reader = await prism.call<{ token: string }>("POST", "/tokens", { name: "bench reader", scopes: ["read"] }, 201);
  const paths = streams.map((s) => `/api/v1/streams/${s.id}/health`);
  await runLoad({ label: "warm-up", url: prism.origin, token: prism.token, paths, connections: CONNECTIONS, seconds: 3, rate: RATE });

  const results: Array<LoadResult & { prismCpuPct: number; server: ReturnType<typeof summarize> }> = [];
  const serverBuckets = async () => {
    const res = await fetch(`${prism.origin}/metrics`, { headers: { authorization: `Bearer ${prism.token}` } });
    return parseBuckets(await res.text(), "/api/v1/streams/:id/health");
  };
  const phase = async (label: string, token: string, rate: number | undefined, seconds: number) => {
    log(`── ${label}`);
    const before = await serverBuckets();
    // The load process needs a moment to start; measure Prism over the middle of the phase.
    const usage = (async () => {
      await new Promise((r) => setTimeout(r, 1000));
      return measure(() => [prism.proc.pid], seconds * 1000 - 1500, 1);
    })();
    const result = await runLoad({ label, url: prism.origin, token, paths, connections: CONNECTIONS, seconds, rate });
    results.push({ ...result, prismCpuPct: (await usage).cpuPct, server: summarize(before, await serverBuckets()) });
  };
  await phase(`${RATE} req/s, admin token`, prism.token, RATE, SECONDS);
  await phase(`${RATE} req/s, named read token`, reader.token, RATE, SECONDS);
  await phase("as fast as it answers, admin token", prism.token, undefined, Math.min(SECONDS, 10));

  // Reference: the same paced load against plain node:http answering a real health body, on the same
  // busy machine (the relay keeps running), to show what the client and the machine add.
  const body = await (await fetch(`${prism.origin}${paths[0]}`, { headers: { authorization: `Bearer ${prism.token}` } })).text();
  const refPort = await freePort();
  const reference = spawnTracked("reference server", process.execPath, ["--import", "tsx", "bench/api/reference-server.ts", String(refPort), body], { cwd: repoRoot });
  await waitListening([refPort], 15_000, "reference server", () => (reference.running() ? undefined : `exited:\n${reference.tail()}`));
  log(`── reference: plain node:http at ${RATE} req/s`);
  const referenceResult = await runLoad({ label: `reference: node:http, ${RATE} req/s`, url: `http://127.0.0.1:${refPort}`, token: "-", paths, connections: CONNECTIONS, seconds: SECONDS, rate: RATE });
  await stop(reference, 5_000);

  const liveAfter = await liveCount();
  const droppedDuringLoad = sink.closed.length - closedBefore;
  const loadAfter = loadavg()[0]!;
  const deadPublishers = publishers.filter((p) => !p.proc.running()).length;

  const w = (s: string, n: number) => s.padStart(n);
  const row = (r: LoadResult, cpu: string) =>
    `${r.label.padEnd(38)}${w(r.rps.toFixed(0), 9)}${w(r.ms.p50.toFixed(2), 9)}${w(r.ms.p90.toFixed(2), 9)}${w(r.ms.p99.toFixed(2), 9)}${w(r.ms.p999.toFixed(2), 10)}${w(r.ms.max.toFixed(1), 9)}${w(r.fromDueMs ? r.fromDueMs.p99.toFixed(2) : "-", 12)}${w(String(r.non2xx), 9)}${w(String(r.errors), 8)}${w(cpu, 11)}`;
  const lines = [
    "",
    `GET /api/v1/streams/:id/health, ${STREAMS} streams × ${DESTINATIONS} destinations live (${SMALL_CLIP.size} ~${SMALL_CLIP.videoBitrate} clip, -c copy), pool of ${CONNECTIONS} keep-alive connections`,
    `${"phase".padEnd(38)}${w("req/s", 9)}${w("p50 ms", 9)}${w("p90 ms", 9)}${w("p99 ms", 9)}${w("p99.9 ms", 10)}${w("max ms", 9)}${w("p99 due ms", 12)}${w("non-2xx", 9)}${w("errors", 8)}${w("Prism CPU", 11)}`,
    ...results.map((r) => row(r, `${(r.prismCpuPct ?? 0).toFixed(0)}%`)),
    row(referenceResult, "-"),
    "",
    "the same requests as Prism timed them (prism_http_request_duration_seconds, p50/p99 interpolated within its buckets):",
    ...results.map(
      (r) =>
        `  ${r.label.padEnd(36)} p50 ${r.server.p50ms.toFixed(2)} ms, p99 ${r.server.p99ms.toFixed(2)} ms; within 1 ms: ${(r.server.within1ms * 100).toFixed(1)} %, within 5 ms: ${(r.server.within5ms * 100).toFixed(1)} %`,
    ),
    "",
    `goal: p99 < 5 ms at 1,000 req/s → ${results[0] && results[0].ms.p99 < 5 && results[0].rps > 0.95 * RATE ? "met" : "NOT met"} (${results[0]?.ms.p99.toFixed(2)} ms at ${results[0]?.rps.toFixed(0)} req/s)`,
    `destinations live after the load: ${liveAfter} of ${STREAMS * DESTINATIONS}; publishes open at the sink: ${publishing()}, closed during the load: ${droppedDuringLoad}; publishers that died: ${deadPublishers}`,
    `Prism's CPU relaying with no API load: ${relayOnly.cpuPct.toFixed(0)}% of one core`,
    `latency is client-side, in its own process: fixed-rate phases are paced open-loop (bench/api/paced.ts; from issue to answer, "p99 due" from when the request was due, the client's timer lag included), the flat-out phase is autocannon; Prism CPU is % of one core over the phase`,
    `machine: ${cpus().length} cores, load average ${loadBefore.toFixed(1)} before / ${loadAfter.toFixed(1)} after; node ${process.version}; ffmpeg ${ffmpegVersion()}; Prism ${prismRevision()}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  await prism.cleanup();
  await stopAll();
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main().catch(async (err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  await stopAll();
  process.exit(1);
});
