/**
 * Capacity benchmark: S streams at ~6 Mbps, each relayed to 4 receivers, by Prism and by nginx-rtmp
 * push on the same layout; then, with --search, how many streams x 4 each relay carries before a
 * goal fails (every output live, every receiver >= 99 % of its publisher's bytes over the window,
 * Prism's event-loop delay p99 < 20 ms and its health p99 < 10 ms).
 *
 *   npm run bench:capacity [-- --streams=16 --destinations=4 --warmup=10 --window=60 --only=prism,nginx
 *                              --search --search-step=8 --search-max=64 --health-rate=20 --no-build]
 *
 * PRISM_BENCH_SEARCH_MAX bounds the search as --search-max does. Prints figures; asserts nothing.
 */
import { ensureClip } from "../lib/clip.js";
import { ffmpegVersion } from "../lib/ffmpeg.js";
import { installCleanup, stopAll } from "../lib/proc.js";
import { ensureNginx } from "../relay/nginx.js";
import { buildPrism, prismRevision, prismRunAs } from "../relay/prism.js";
import { GOALS, IMPL_LABEL, LOOP_DELAY_METHOD, passed, runCapacity, type CapacityConfig, type CapacityResult, type Impl } from "./scenario.js";

const started = Date.now();
const log = (msg: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);

function option(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.slice(2).find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

const streams = Number(option("streams") ?? 16);
const impls = (option("only") ?? "prism,nginx").split(",").filter((i): i is Impl => i in IMPL_LABEL);
const search = process.argv.includes("--search");
const searchStep = Number(option("search-step") ?? 8);
const searchMax = Number(option("search-max") ?? process.env.PRISM_BENCH_SEARCH_MAX ?? 64);

async function main(): Promise<void> {
  installCleanup();
  if (!Number.isInteger(streams) || streams < 1 || impls.length === 0) throw new Error("check --streams and --only");
  const nginx = await ensureNginx(log);
  const clip = await ensureClip(log);
  if (impls.includes("prism") && !process.argv.includes("--no-build")) {
    log("npm run build");
    await buildPrism();
  }
  const cfg: CapacityConfig = {
    clip,
    nginx,
    destinations: Number(option("destinations") ?? 4),
    warmupMs: Number(option("warmup") ?? 10) * 1000,
    windowMs: Number(option("window") ?? 60) * 1000,
    sinkProcesses: Number(option("sink-processes") ?? 4),
    healthRate: Number(option("health-rate") ?? 20),
    log,
  };

  const results: CapacityResult[] = [];
  for (const impl of impls) {
    log(`── ${IMPL_LABEL[impl]}, ${streams} streams × ${cfg.destinations}`);
    results.push(await runCapacity(impl, streams, cfg));
  }
  const limits = new Map<Impl, { fits: number; failedAt: CapacityResult | null }>();
  if (search) {
    for (const impl of impls) {
      const first = results.find((r) => r.impl === impl)!;
      let fits = passed(first) ? streams : 0;
      let failedAt: CapacityResult | null = passed(first) ? null : first;
      // Up from the main size while it passes (down from it when it did not), one step at a time.
      let s = passed(first) ? streams + searchStep : streams - searchStep;
      while (s >= 1 && s <= searchMax) {
        log(`── search: ${IMPL_LABEL[impl]}, ${s} streams × ${cfg.destinations}`);
        const r = await runCapacity(impl, s, cfg);
        results.push(r);
        if (passed(r) && s > fits) {
          fits = s;
          if (failedAt) break; // coming down: the first size that passes
          s += searchStep;
        } else if (!passed(r)) {
          failedAt = r;
          if (fits > 0) break; // going up: the first size that fails
          s -= searchStep;
        } else break;
      }
      limits.set(impl, { fits, failedAt });
    }
  }

  process.stdout.write(`\n${report(results, limits, cfg, nginx.version)}\n`);
  const elapsed = (Date.now() - started) / 1000;
  process.stdout.write(`total run time ${Math.floor(elapsed / 60)} min ${Math.round(elapsed % 60)} s\n`);
}

function report(results: CapacityResult[], limits: Map<Impl, { fits: number; failedAt: CapacityResult | null }>, cfg: CapacityConfig, nginxVersion: string): string {
  const lines: string[] = [];
  const main = impls.map((i) => results.find((r) => r.impl === i && r.streams === streams));
  const cell = (r: CapacityResult | undefined, f: (r: CapacityResult) => string) => (r ? (r.error ? "error" : f(r)) : "–");
  const row = (label: string, f: (r: CapacityResult) => string) => `${label.padEnd(38)}${main.map((r) => cell(r, f).padEnd(22)).join("")}`.trimEnd();
  lines.push(`capacity: ${streams} streams × ${cfg.destinations} destinations, 1080p30 ~6.3 Mbps copy, ${cfg.windowMs / 1000} s window after ${cfg.warmupMs / 1000} s warm-up`);
  lines.push(`${"".padEnd(38)}${impls.map((i) => IMPL_LABEL[i].padEnd(22)).join("")}`.trimEnd());
  lines.push(row("CPU % of one core", (r) => `${r.usage!.cpuPct.toFixed(1)} %`));
  lines.push(row("RSS", (r) => `${r.usage!.rssMiB.toFixed(0)} MiB`));
  lines.push(row("outputs with media in the window", (r) => `${r.outputsLive}/${r.streams * cfg.destinations}`));
  lines.push(row("lowest receiver bytes / publisher's", (r) => (r.minBytesRatio === null ? "n/a" : `${(r.minBytesRatio * 100).toFixed(2)} %`)));
  lines.push(row("event-loop delay p99", (r) => (r.loopP99Ms === null ? "n/a" : `${r.loopP99Ms.toFixed(1)} ms`)));
  lines.push(row(`health p50 / p99 (${cfg.healthRate} req/s)`, (r) => (r.health ? `${r.health.p50Ms.toFixed(2)} / ${r.health.p99Ms.toFixed(2)} ms` : "n/a")));
  lines.push(row("  bare Node HTTP reference p50 / p99", (r) => (r.reference ? `${r.reference.p50Ms.toFixed(2)} / ${r.reference.p99Ms.toFixed(2)} ms` : "n/a")));
  lines.push(row("goals met", (r) => (passed(r) ? "yes" : `NO (${r.failures.length})`)));
  for (const r of main) if (r && !passed(r)) lines.push(`${IMPL_LABEL[r.impl]} missed: ${r.error ?? r.failures.join("; ")}`);
  const [p, n] = [main[impls.indexOf("prism")], main[impls.indexOf("nginx")]];
  if (p?.usage && n?.usage) {
    lines.push(`ratio Prism / nginx: CPU ${(p.usage.cpuPct / n.usage.cpuPct).toFixed(1)}x, RSS ${(p.usage.rssMiB / n.usage.rssMiB).toFixed(1)}x`);
  }
  lines.push(`goals: every output live, every receiver ≥ ${GOALS.minBytesRatio * 100} % of its publisher's bytes (wire bytes at 4096-byte chunks against the publisher's FLV bytes), event-loop p99 < ${GOALS.loopP99Ms} ms, health p99 < ${GOALS.healthP99Ms} ms`);
  lines.push(`event-loop delay: ${LOOP_DELAY_METHOD}`);
  lines.push("health reference: a bare Node HTTP server (own process, no framework, no media) answering the same route with Prism's body, polled at the same rate in the same window: the machine's own share of the tail");
  if (limits.size > 0) {
    lines.push("");
    lines.push(`search (step ${searchStep}, at most ${searchMax} streams): streams × ${cfg.destinations} that fit`);
    for (const [impl, { fits, failedAt }] of limits) {
      const why = failedAt ? `; at ${failedAt.streams}: ${failedAt.error ?? failedAt.failures.join("; ")}` : `; nothing failed up to ${searchMax}`;
      lines.push(`  ${IMPL_LABEL[impl].padEnd(16)} ${fits}${why}`);
    }
    lines.push("every size tried:");
    for (const r of results) {
      const u = r.usage ? `${r.usage.cpuPct.toFixed(1)} % / ${r.usage.rssMiB.toFixed(0)} MiB` : "error";
      lines.push(`  ${IMPL_LABEL[r.impl].padEnd(16)} ×${String(r.streams).padEnd(3)} ${u}  ${passed(r) ? "ok" : `FAIL ${r.error ?? r.failures.join("; ")}`}`);
    }
  }
  lines.push(`versions: node ${process.version}, nginx ${nginxVersion}, ffmpeg ${ffmpegVersion()}; Prism at ${prismRevision()}, run as ${prismRunAs()}`);
  return lines.join("\n");
}

main()
  .catch((err: unknown) => {
    log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopAll();
  });
