/**
 * Transcoding bench: what one transcoding destination costs next to a copy destination. A looped
 * 1080p30 ~6 Mbps clip goes into Prism; each scenario starts a fresh Prism with a copy destination
 * and 0, 1 or 2 destinations re-encoded to 720p30 at 2.5 Mbps (two with the same profile share one
 * ffmpeg). CPU is read from /proc for Prism's node process and, apart, for the ffmpeg processes it
 * runs; receivers and the publisher are not counted.
 *
 *   npx tsx bench/transcode/run.ts [-- --warmup=8 --window=20 --no-build]
 *
 * Prints figures; asserts nothing.
 */
import { statSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { CLIP, ensureClip } from "../lib/clip.js";
import { ffmpegVersion, kbps, startPublisher, startReceiver, type Tracked } from "../lib/ffmpeg.js";
import { freePort, installCleanup, measure, sleep, stop, stopAll, waitFor, waitListening, type Usage } from "../lib/proc.js";
import { buildPrism, prismRevision } from "../relay/prism.js";
import { startPrism, type StreamHealth } from "./prism.js";

const started = Date.now();
const log = (msg: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);
const option = (name: string) => process.argv.slice(2).find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const warmupMs = Number(option("warmup") ?? 8) * 1000;
const windowMs = Number(option("window") ?? 20) * 1000;
const build = !process.argv.includes("--no-build");

const PROFILE_720P = { width: 1280, height: 720, fps: 30, videoKbps: 2500, keyframeIntervalSec: 2 };

interface Scenario {
  label: string;
  transcoded: number;
}
const SCENARIOS: Scenario[] = [
  { label: "copy only", transcoded: 0 },
  { label: "copy + 1× 720p", transcoded: 1 },
  { label: "copy + 2× 720p (shared)", transcoded: 2 },
];

interface Result {
  scenario: Scenario;
  /** 1-minute load average when the window ended: above the core count, other work competed for CPU. */
  load?: number;
  node?: Usage;
  ffmpeg?: Usage;
  ffmpegCount: number;
  receiverKbps: number[];
  health?: StreamHealth;
  warnings: string[];
  error?: string;
}

async function runScenario(scenario: Scenario, clip: string, clipKbps: number): Promise<Result> {
  const result: Result = { scenario, ffmpegCount: 0, receiverKbps: [], warnings: [] };
  const ports: number[] = [];
  for (let i = 0; i <= scenario.transcoded; i++) ports.push(await freePort());
  const receivers = ports.map(startReceiver);
  let publisher: Tracked | undefined;
  let prism: Awaited<ReturnType<typeof startPrism>> | undefined;
  try {
    await waitListening(ports, 15_000, "receivers");
    prism = await startPrism(ports.map((port, i) => ({ name: i === 0 ? "copy" : `720p-${i}`, port, transcode: i === 0 ? "copy" : PROFILE_720P })));
    publisher = startPublisher(clip, prism.publishUrl);
    const p = prism;
    const live = await waitFor(async () => {
      const h = await p.health().catch(() => undefined);
      return !!h && h.destinations.every((d) => d.state === "live" && (d.transcode?.mode !== "transcode" || (d.transcode.fps ?? 0) > 0));
    }, 30_000, 500);
    if (!live) result.warnings.push("not every destination was live and encoding within 30 s");
    log(`${scenario.label}: flowing, warming up ${warmupMs / 1000} s`);
    await sleep(warmupMs);

    const ffmpegPids = prism.ffmpegPids();
    result.ffmpegCount = ffmpegPids.length;
    const before = receivers.map((r) => r.progress.snapshot());
    log(`${scenario.label}: measuring ${windowMs / 1000} s (prism ${prism.proc.pid}, ffmpeg ${ffmpegPids.join(" ") || "none"})`);
    const pid = prism.proc.pid;
    [result.node, result.ffmpeg] = await Promise.all([measure(() => [pid], windowMs), measure(() => ffmpegPids, windowMs)]);
    result.receiverKbps = receivers.map((r, i) => kbps(before[i]!, r.progress.snapshot()));
    result.load = loadavg()[0];
    if (result.load! > availableParallelism()) result.warnings.push(`load average ${result.load!.toFixed(1)} on ${availableParallelism()} cores: other processes competed for the CPU`);
    result.health = await prism.health();
    const copyKbps = result.receiverKbps[0] ?? 0;
    if (copyKbps < clipKbps * 0.8) result.warnings.push(`the copy receiver got ${copyKbps.toFixed(0)} kbit/s of the clip's ${clipKbps.toFixed(0)}`);
    for (const d of result.health.destinations) {
      if (d.state !== "live" || d.reconnects > 0) result.warnings.push(`${d.name}: ${d.state}, ${d.reconnects} reconnects`);
      if ((d.transcode?.restarts ?? 0) > 0) result.warnings.push(`${d.name}: ffmpeg restarted ${d.transcode?.restarts}× (${d.transcode?.lastError})`);
    }
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    log(`ERROR ${scenario.label}: ${result.error}`);
  } finally {
    if (publisher) await stop(publisher.proc);
    await prism?.stop();
    await Promise.all(receivers.map((r) => stop(r.proc, 2000)));
  }
  return result;
}

function report(results: Result[], clipKbps: number): string {
  const lines: string[] = [];
  const cpu = (u: Usage | undefined) => (u ? `${u.cpuPct.toFixed(1)}%` : "–");
  const rss = (u: Usage | undefined, n: number) => (u && n > 0 ? `${u.rssMiB.toFixed(0)} MiB` : "–");
  lines.push(`transcoding cost: ${CLIP.height}p${CLIP.fps} ~${(clipKbps / 1000).toFixed(1)} Mbps in; 720p30 2.5 Mbps out (x264 veryfast, CBR, 2 s GOP); CPU % of one core over ${windowMs / 1000} s`);
  lines.push(`${"scenario".padEnd(26)}${"Prism node".padEnd(12)}${"ffmpeg".padEnd(10)}${"ffmpeg RSS".padEnd(12)}${"ffmpegs".padEnd(9)}${"load".padEnd(6)}receivers kbit/s`);
  for (const r of results) {
    if (r.error) {
      lines.push(`${r.scenario.label.padEnd(26)}ERROR ${r.error}`);
      continue;
    }
    lines.push(
      `${r.scenario.label.padEnd(26)}${cpu(r.node).padEnd(12)}${cpu(r.ffmpeg).padEnd(10)}${rss(r.ffmpeg, r.ffmpegCount).padEnd(12)}${String(r.ffmpegCount).padEnd(9)}${(r.load?.toFixed(1) ?? "–").padEnd(6)}${r.receiverKbps.map((k) => k.toFixed(0)).join(" / ")}`,
    );
  }
  const base = results.find((r) => r.scenario.transcoded === 0);
  const one = results.find((r) => r.scenario.transcoded === 1);
  if (base?.node && one?.node && one.ffmpeg) {
    const total = one.node.cpuPct + one.ffmpeg.cpuPct - base.node.cpuPct;
    lines.push(`one transcoding destination costs ${total.toFixed(1)}% of a core (ffmpeg ${one.ffmpeg.cpuPct.toFixed(1)}%, Prism's own feeding/reading ${(one.node.cpuPct - base.node.cpuPct).toFixed(1)}%); the copy destination alone: Prism ${base.node.cpuPct.toFixed(1)}%`);
  }
  lines.push("");
  lines.push("ffmpeg's own figures at the end of each window (from /health):");
  for (const r of results) {
    for (const d of r.health?.destinations ?? []) {
      const t = d.transcode;
      if (t?.mode !== "transcode") continue;
      lines.push(`  ${r.scenario.label.padEnd(26)}${d.name.padEnd(9)}fps ${t.fps} · ${t.bitrateKbps} kbit/s · speed ${t.speed}× · dropped ${t.droppedFrames} · restarts ${t.restarts}`);
    }
  }
  for (const r of results) for (const w of r.warnings) lines.push(`WARNING ${r.scenario.label}: ${w}`);
  lines.push(`machine: ${availableParallelism()} × ${cpus()[0]?.model ?? "unknown CPU"}; node ${process.version}; ffmpeg ${ffmpegVersion()}; Prism at ${prismRevision()}`);
  return lines.join("\n");
}

async function main(): Promise<void> {
  installCleanup();
  const clip = await ensureClip(log);
  const clipKbps = (statSync(clip).size * 8) / CLIP.seconds / 1000;
  if (build) {
    log("npm run build");
    await buildPrism();
  }
  const results: Result[] = [];
  for (const scenario of SCENARIOS) {
    log(`── ${scenario.label}`);
    results.push(await runScenario(scenario, clip, clipKbps));
  }
  process.stdout.write(`\n${report(results, clipKbps)}\n`);
  process.stdout.write(`total run time ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}

main()
  .catch((err: unknown) => {
    log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopAll();
  });
