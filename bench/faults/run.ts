/**
 * Fault bench: a 1080p30 ~6 Mbps stream (copy mode) to 3 healthy destinations and 1 flaky one,
 * whose receiver is SIGKILLed and restarted on the same port again and again. Prints how fast the
 * flaky destination recovers, what the healthy ones lost (bytes, messages, timestamp gaps), and
 * Prism's CPU/RSS next to a reference run without faults.
 *
 *   npm run bench:faults [-- --restarts=20 --window=40 --warmup=5 --poll=100 --seed=1 --no-build]
 *
 * Prints figures; asserts nothing. See bench/README.md.
 */
import { statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { CLIP, ensureClip } from "../lib/clip.js";
import { ffmpegVersion } from "../lib/ffmpeg.js";
import { installCleanup, stopAll } from "../lib/proc.js";
import { buildPrism, prismRevision } from "../relay/prism.js";
import { runOnce, type DestinationResult, type Restart, type RunConfig, type RunResult } from "./scenario.js";

const started = Date.now();
const log = (msg: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);

function option(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.slice(2).find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

const restarts = Number(option("restarts") ?? 20);
const windowS = Number(option("window") ?? 40);
const warmupS = Number(option("warmup") ?? 5);
const pollMs = Number(option("poll") ?? 100);
const seed = Number(option("seed") ?? Math.floor(Math.random() * 1e9));
const build = !process.argv.includes("--no-build");
const HEALTHY = 3;
const cores = availableParallelism();
const UP_MS: [number, number] = [2000, 5000];
const DOWN_MS: [number, number] = [200, 3000];

/** A timestamp step counts as a gap above one frame interval plus this much jitter. */
const JITTER_MS = 10;
const VIDEO_FRAME_MS = 1000 / CLIP.fps;
const AUDIO_FRAME_MS = (1024 / 48_000) * 1000; // AAC, 1024 samples at 48 kHz (see clip.ts)

/** mulberry32: a small seeded PRNG, so a run's fault schedule can be repeated with --seed. */
function prng(s: number): () => number {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function main(): Promise<void> {
  installCleanup();
  if (!(restarts > 0 && windowS > 0 && warmupS >= 0 && pollMs >= 20)) throw new Error("check --restarts, --window, --warmup and --poll");
  const clip = await ensureClip(log);
  const clipKbps = (statSync(clip).size * 8) / CLIP.seconds / 1000;
  if (build) {
    log("npm run build");
    await buildPrism();
  } else {
    log("--no-build: using the existing dist/");
  }
  const revision = prismRevision();

  const base = {
    clip,
    healthyCount: HEALTHY,
    restarts,
    windowMs: windowS * 1000,
    warmupMs: warmupS * 1000,
    pollMs,
    upMs: UP_MS,
    downMs: DOWN_MS,
    recoveryTimeoutMs: 40_000,
    random: prng(seed),
    log,
  } satisfies Omit<RunConfig, "kind">;
  log(`── reference run: no faults, ${HEALTHY + 1} destinations`);
  const reference = await runOnce({ ...base, kind: "reference" });
  log(`── fault run: ${HEALTHY} healthy + 1 flaky destination, ${restarts} kill/restart cycles (seed ${seed})`);
  const faults = await runOnce({ ...base, kind: "faults" });

  const elapsed = (Date.now() - started) / 1000;
  process.stdout.write(`\n${report(reference, faults, { clipKbps, revision })}\n`);
  process.stdout.write(`total run time ${Math.floor(elapsed / 60)} min ${Math.round(elapsed % 60)} s\n`);
}

// ---------------------------------------------------------------------------------------------
// Figures

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

interface Gap {
  type: number;
  from: number;
  to: number;
}

interface Continuity {
  video: number;
  audio: number;
  maxVideoGap: number;
  maxVideoGapAt: number | null;
  maxAudioGap: number;
  maxAudioGapAt: number | null;
  backwards: number;
  gaps: Gap[];
  /** Frames (not codec headers) as `type:dts:size`, with their dts, for the comparison between receivers. */
  frames: Array<{ key: string; dts: number }>;
  firstDts: number;
  lastDts: number;
}

/** Timestamp continuity of everything one destination's receiver got, across all its connections. */
function continuity(dest: DestinationResult): Continuity {
  const c: Continuity = { video: 0, audio: 0, maxVideoGap: 0, maxVideoGapAt: null, maxAudioGap: 0, maxAudioGapAt: null, backwards: 0, gaps: [], frames: [], firstDts: Infinity, lastDts: -Infinity };
  const last: Record<number, number | undefined> = {};
  for (const conn of dest.connections) {
    for (const [type, dts, size, header] of conn.messages ?? []) {
      if (header || (type !== 8 && type !== 9)) continue;
      c.frames.push({ key: `${type}:${dts}:${size}`, dts });
      c.firstDts = Math.min(c.firstDts, dts);
      c.lastDts = Math.max(c.lastDts, dts);
      if (type === 9) c.video += 1;
      else c.audio += 1;
      const prev = last[type];
      last[type] = dts;
      if (prev === undefined) continue;
      const step = dts - prev;
      if (step < 0) c.backwards += 1;
      const limit = (type === 9 ? VIDEO_FRAME_MS : AUDIO_FRAME_MS) + JITTER_MS;
      if (step > limit) c.gaps.push({ type, from: prev, to: dts });
      if (type === 9 && step > c.maxVideoGap) {
        c.maxVideoGap = step;
        c.maxVideoGapAt = dts;
      }
      if (type === 8 && step > c.maxAudioGap) {
        c.maxAudioGap = step;
        c.maxAudioGapAt = dts;
      }
    }
  }
  return c;
}

function healthyTable(run: RunResult): string[] {
  const lines: string[] = [];
  const conts = run.healthy.map(continuity);
  // Over the stretch every receiver covers, every receiver should hold exactly the same frames.
  const lo = Math.max(...conts.map((c) => c.firstDts));
  const hi = Math.min(...conts.map((c) => c.lastDts));
  const inRange = conts.map((c) => new Set(c.frames.filter((f) => f.dts >= lo && f.dts <= hi).map((f) => f.key)));
  const union = new Set(inRange.flatMap((s) => [...s]));
  const gapKey = (g: Gap) => `${g.type}:${g.from}:${g.to}`;
  const commonGaps = new Set(conts[0]?.gaps.map(gapKey).filter((k) => conts.every((c) => c.gaps.some((g) => gapKey(g) === k))) ?? []);

  const head = ["destination", "Prism bytesOut", "received", "lost", "conns", "video/audio frames", "largest gap v / a", "gaps>limit", "missing"];
  const rows: string[][] = [];
  run.healthy.forEach((d, i) => {
    const c = conts[i]!;
    const received = d.connections.reduce((s, x) => s + x.mediaBytes, 0);
    const lost = d.bytesOut === null ? "n/a" : String(d.bytesOut - received);
    const own = c.gaps.filter((g) => !commonGaps.has(gapKey(g))).length;
    rows.push([
      d.name,
      d.bytesOut === null ? "n/a" : String(d.bytesOut),
      String(received),
      lost,
      String(d.connections.length) + (d.reconnects ? ` (${d.reconnects} reconn.)` : ""),
      `${c.video}/${c.audio}`,
      `${c.maxVideoGap} / ${c.maxAudioGap} ms`,
      `${c.gaps.length}${c.gaps.length ? ` (${own} own)` : ""}`,
      String(union.size - inRange[i]!.size),
    ]);
  });
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const fmt = (r: string[]) => `  ${r.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join("  ")}`;
  lines.push(fmt(head));
  for (const r of rows) lines.push(fmt(r));

  const gapsAt = [...commonGaps].map((k) => {
    const [type, from, to] = k.split(":").map(Number) as [number, number, number];
    return `${type === 9 ? "video" : "audio"} ${to - from} ms at ${(from / 1000).toFixed(2)} s`;
  });
  const covered = hi >= lo ? `${((hi - lo) / 1000).toFixed(1)} s of stream time covered by every receiver` : "no stretch common to every receiver";
  lines.push(
    `  bytes: Prism's bytesOut vs. the media messages the receiver parsed, re-counted as chunked on the wire; lost = bytesOut − received. ` +
      `gap limit: video ${(VIDEO_FRAME_MS + JITTER_MS).toFixed(1)} ms, audio ${(AUDIO_FRAME_MS + JITTER_MS).toFixed(1)} ms (one frame + ${JITTER_MS} ms). ` +
      `missing: frames the other healthy receivers got and this one did not, over the ${covered}.`,
  );
  if (gapsAt.length) lines.push(`  gaps above the limit on every healthy receiver alike (at the same timestamps, so already in what Prism relayed): ${gapsAt.slice(0, 6).join("; ")}${gapsAt.length > 6 ? `; … ${gapsAt.length} in all` : ""}`);
  const backwards = conts.reduce((s, c) => s + c.backwards, 0);
  if (backwards) lines.push(`  timestamps going backwards: ${conts.map((c, i) => `${run.healthy[i]!.name} ${c.backwards}`).join(", ")}`);
  const overhead = run.healthy.map((d) => d.connections.reduce((s, x) => s + x.rawBytes - x.mediaBytes, 0));
  lines.push(`  protocol bytes besides media (handshake, commands) per receiver: ${overhead.join(", ")}`);
  return lines;
}

function recoveryTable(rs: Restart[]): string[] {
  const rows: Array<[string, number[]]> = [];
  const pick = (f: (r: Restart) => number | null) => rs.map(f).filter((x): x is number => x !== null && Number.isFinite(x));
  rows.push(["receiver listening → Prism connects (TCP accept)", pick((r) => (r.acceptedAt === null ? null : r.acceptedAt - r.listenAt))]);
  rows.push(["receiver listening → first media message", pick((r) => (r.mediaAt === null ? null : r.mediaAt - r.listenAt))]);
  rows.push(["receiver listening → first keyframe (decodable)", pick((r) => (r.keyframeAt === null ? null : r.keyframeAt - r.listenAt))]);
  rows.push([`receiver listening → health says live (polled)`, pick((r) => (r.healthLiveAt === null ? null : r.healthLiveAt - r.listenAt))]);
  rows.push(["  of which: waiting for Prism's next retry (backoff)", pick((r) => (r.retryAt === null ? null : Math.max(0, r.retryAt - r.listenAt)))]);
  rows.push(["  of which: Prism's retry → first media message", pick((r) => (r.retryAt === null || r.mediaAt === null ? null : r.mediaAt - Math.max(r.retryAt, r.listenAt)))]);
  rows.push(["outage: SIGKILL → restarted receiver listening", pick((r) => r.listenAt - r.killAt)]);
  rows.push(["  (planned outage)", pick((r) => r.plannedDownMs)]);
  const label = 52;
  const lines = [`  ${"".padEnd(label)}${"n".padStart(4)}${"median".padStart(10)}${"p90".padStart(10)}${"max".padStart(10)}`];
  for (const [name, xs] of rows) {
    lines.push(
      xs.length
        ? `  ${name.padEnd(label)}${String(xs.length).padStart(4)}${secs(quantile(xs, 0.5)).padStart(10)}${secs(quantile(xs, 0.9)).padStart(10)}${secs(Math.max(...xs)).padStart(10)}`
        : `  ${name.padEnd(label)}${"0".padStart(4)}${"n/a".padStart(10)}`,
    );
  }
  const each = rs.map((r) => `${((r.listenAt - r.killAt) / 1000).toFixed(1)}/${r.mediaAt === null ? "–" : ((r.mediaAt - r.listenAt) / 1000).toFixed(1)}`);
  if (each.length) lines.push(`  each restart, outage/recovery to media (s): ${each.join(" ")}`);
  const failed = rs.map((r) => Math.max(0, r.maxAttempt - 1));
  if (failed.length) {
    lines.push(`  refused retries during an outage (health's attempt − 1): median ${quantile(failed, 0.5)}, max ${Math.max(...failed)}`);
  }
  return lines;
}

function usageCell(run: RunResult): string {
  const u = run.usage;
  if (!u) return "n/a";
  return (
    `${u.cpuPct.toFixed(1).padStart(6)} %   [${u.partsPct.map((p) => p.toFixed(1)).join(" ")}]   ${u.rssEndMiB.toFixed(0)} / ${u.rssMaxMiB.toFixed(0)} MiB` +
    `   over ${(u.windowMs / 1000).toFixed(0)} s; whole machine ${u.machineBusyPct.toFixed(0)} % busy (${cores} cores)`
  );
}

function report(reference: RunResult, faults: RunResult, info: { clipKbps: number; revision: string }): string {
  const lines: string[] = [];
  lines.push(
    `fault run: ${CLIP.height}p${CLIP.fps} ~${(info.clipKbps / 1000).toFixed(1)} Mbps, copy mode, ${HEALTHY + 1} destinations: ${HEALTHY} healthy + 1 flaky whose receiver is SIGKILLed and restarted on the same port ${restarts}× ` +
      `(up ${UP_MS[0] / 1000}–${UP_MS[1] / 1000} s and ≥ 1 s after media is back, down ${DOWN_MS[0] / 1000}–${DOWN_MS[1] / 1000} s; seed ${seed})`,
  );
  lines.push("");

  lines.push(`recovery of the flaky destination after each restart (health polled every ${pollMs} ms)`);
  if (faults.error && faults.restarts.length === 0) lines.push(`  ERROR ${faults.error}`);
  else lines.push(...recoveryTable(faults.restarts));
  if (faults.flaky) {
    const f = faults.flaky;
    lines.push(`  Prism's health for flaky at the end: ${f.reconnects ?? "?"} reconnects for ${faults.restarts.length} restarts; last error: ${f.lastError ?? "none"}`);
  }
  lines.push("");

  for (const run of [faults, reference]) {
    lines.push(run.kind === "faults" ? "healthy destinations, fault run (whole run, read after the stream ended)" : `reference run, no faults: all ${HEALTHY + 1} destinations`);
    if (run.healthy.length) lines.push(...healthyTable(run));
    if (run.error) lines.push(`  ERROR ${run.error}`);
    lines.push("");
  }

  lines.push("Prism's CPU (% of one core; quarters of the window) and RSS (end / max), node process only");
  lines.push(`  reference (no faults)     ${usageCell(reference)}`);
  lines.push(`  fault run (${String(restarts).padStart(2)} restarts)    ${usageCell(faults)}`);
  if (reference.usage && faults.usage) {
    const d = faults.usage.cpuPct - reference.usage.cpuPct;
    const r = faults.usage.rssMaxMiB - reference.usage.rssMaxMiB;
    lines.push(`  churn cost: ${d >= 0 ? "+" : ""}${d.toFixed(1)} % CPU, ${r >= 0 ? "+" : ""}${r.toFixed(0)} MiB max RSS`);
  }
  lines.push("");

  const ingest = (run: RunResult) => (run.ingest ? `Prism ingest ${run.ingest.bitrateKbps.toFixed(0)} kbit/s at ${run.ingest.fps} fps` : "Prism ingest n/a");
  lines.push(
    `ingest: clip ${info.clipKbps.toFixed(0)} kbit/s; reference: publisher ${reference.publisherKbps.toFixed(0)} kbit/s, ${ingest(reference)}; ` +
      `fault run: publisher ${faults.publisherKbps.toFixed(0)} kbit/s, ${ingest(faults)}; health polls ${reference.polls} / ${faults.polls}`,
  );
  lines.push(`versions: node ${process.version}, ffmpeg ${ffmpegVersion()}; Prism at ${info.revision}`);
  const warnings = [...reference.warnings.map((w) => `reference: ${w}`), ...faults.warnings.map((w) => `fault run: ${w}`)];
  lines.push(warnings.length ? `WARNINGS:\n${warnings.map((w) => `  ${w}`).join("\n")}` : "no warnings");
  return lines.join("\n");
}

main()
  .catch(async (err: unknown) => {
    log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopAll();
  });
