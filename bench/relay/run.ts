/**
 * Relay fan-out benchmark: CPU and RSS of Prism vs nginx-rtmp push vs one ffmpeg per destination,
 * relaying a 1080p30 ~6 Mbps stream (copy mode) to N local RTMP receivers; and the bare-Node fan-out
 * (bare-fanout.mjs: the same bytes as plain FLV over TCP, each read written to N sockets) as Node's floor.
 *
 *   npm run bench:relay [-- --n=1,4,8 --only=prism,nginx,ffmpeg,bare --warmup=8 --window=20 --no-build]
 *
 * Prints figures; asserts nothing. See bench/README.md.
 */
import { statSync } from "node:fs";
import { CLIP, ensureClip } from "../lib/clip.js";
import { ffmpegVersion } from "../lib/ffmpeg.js";
import { installCleanup, stopAll } from "../lib/proc.js";
import { ensureNginx } from "./nginx.js";
import { buildPrism, prismRevision, prismRunAs } from "./prism.js";
import { IMPL_LABEL, runScenario, type Impl, type ScenarioResult } from "./scenario.js";

const started = Date.now();
const log = (msg: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);

function option(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.slice(2).find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

const counts = (option("n") ?? "1,4,8").split(",").map(Number).filter((n) => Number.isInteger(n) && n > 0);
const impls = (option("only") ?? "prism,nginx,ffmpeg,bare").split(",").filter((i): i is Impl => i in IMPL_LABEL);
const warmupMs = Number(option("warmup") ?? 8) * 1000;
const windowMs = Number(option("window") ?? 20) * 1000;
const build = !process.argv.includes("--no-build");

async function main(): Promise<void> {
  installCleanup();
  if (counts.length === 0 || impls.length === 0) throw new Error("nothing to run: check --n and --only");

  const nginx = await ensureNginx(log);
  const clip = await ensureClip(log);
  const clipKbps = (statSync(clip).size * 8) / CLIP.seconds / 1000;
  if (impls.includes("prism")) {
    if (build) {
      log("npm run build");
      await buildPrism();
    } else {
      log("--no-build: using the existing dist/");
    }
  }

  // Interleave the relays at each N, so slow drift of the machine spreads over all of them.
  const revision = prismRevision();
  const results: ScenarioResult[] = [];
  for (const n of counts) {
    for (const impl of impls) {
      log(`── ${IMPL_LABEL[impl]}, N=${n}`);
      results.push(await runScenario(impl, n, { clip, clipKbps, nginx, warmupMs, windowMs, log }));
    }
  }

  const elapsed = (Date.now() - started) / 1000;
  process.stdout.write(`\n${report(results, { clipKbps, nginxVersion: nginx.version, revision })}\n`);
  process.stdout.write(`total run time ${Math.floor(elapsed / 60)} min ${Math.round(elapsed % 60)} s\n`);
}

function report(results: ScenarioResult[], info: { clipKbps: number; nginxVersion: string; revision: string }): string {
  const find = (impl: Impl, n: number) => results.find((r) => r.impl === impl && r.n === n);
  const cell = (r: ScenarioResult | undefined) => {
    if (!r) return "–";
    if (!r.usage) return "error";
    return `${r.usage.cpuPct.toFixed(1)}% / ${r.usage.rssMiB.toFixed(0)}${r.warnings.length > 0 ? " (!)" : ""}`;
  };
  const width = 18;
  const lines: string[] = [];
  lines.push(
    `relay fan-out, ${CLIP.height}p${CLIP.fps} ~${(info.clipKbps / 1000).toFixed(1)} Mbps, copy mode — CPU % of one core / RSS MiB (steady state, ${windowMs / 1000} s)`,
  );
  lines.push(`${"N".padEnd(4)}${impls.map((i) => IMPL_LABEL[i].padEnd(width)).join("")}`.trimEnd());
  for (const n of counts) lines.push(`${String(n).padEnd(4)}${impls.map((i) => cell(find(i, n)).padEnd(width)).join("")}`.trimEnd());

  // Prism against nginx-rtmp push on the same receivers in the same run (issue #20's goal: CPU at most 2x at N = 8).
  const ratios = counts.flatMap((n) => {
    const p = find("prism", n)?.usage;
    const x = find("nginx", n)?.usage;
    return p && x && x.cpuPct > 0 ? [`N=${n} CPU ${(p.cpuPct / x.cpuPct).toFixed(1)}x, RSS ${(p.rssMiB / x.rssMiB).toFixed(1)}x`] : [];
  });
  if (ratios.length > 0) lines.push(`Prism / nginx-rtmp push: ${ratios.join("; ")}`);
  // The bare-Node fan-out on Prism's own node and flags: what is left once Node itself is paid for.
  const bareRatios = counts.flatMap((n) => {
    const p = find("prism", n)?.usage;
    const b = find("bare", n)?.usage;
    const x = find("nginx", n)?.usage;
    if (!b || b.cpuPct <= 0) return [];
    const parts = [p ? `Prism ${(p.cpuPct / b.cpuPct).toFixed(1)}x` : "", x && x.cpuPct > 0 ? `bare Node / nginx ${(b.cpuPct / x.cpuPct).toFixed(1)}x` : ""].filter(Boolean);
    return parts.length > 0 ? [`N=${n} ${parts.join(", ")}`] : [];
  });
  if (bareRatios.length > 0) lines.push(`CPU against the bare Node fan-out: ${bareRatios.join("; ")}`);

  // Prism's marginal cost per destination, from the smallest to the largest N.
  const lo = find("prism", Math.min(...counts));
  const hi = find("prism", Math.max(...counts));
  if (lo?.usage && hi?.usage && hi.n > lo.n) {
    const d = hi.n - lo.n;
    lines.push(
      `Prism cost per added destination: ${((hi.usage.cpuPct - lo.usage.cpuPct) / d).toFixed(2)} % CPU, ${((hi.usage.rssMiB - lo.usage.rssMiB) / d).toFixed(1)} MiB (from N=${lo.n} → N=${hi.n})`,
    );
  }

  // What went through: publisher, Prism's own view, the receivers.
  const measured = results.filter((r) => r.usage);
  const pubs = measured.map((r) => r.publisherKbps);
  const recv = measured.flatMap((r) => r.receiverKbps);
  const ingest = results.flatMap((r) => (r.health?.ingest ? [r.health.ingest] : []));
  const destKbps = results.flatMap((r) => r.health?.destinations.map((d) => d.bitrateKbps) ?? []);
  const range = (xs: number[]) => (xs.length ? `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}` : "n/a");
  lines.push(
    `ingest: clip ${info.clipKbps.toFixed(0)} kbit/s; publisher sent ${range(pubs)} kbit/s` +
      (ingest.length ? `; Prism ingest health ${range(ingest.map((i) => i.bitrateKbps))} kbit/s at ${range(ingest.map((i) => i.fps))} fps` : "") +
      (destKbps.length ? `; Prism destinations ${range(destKbps)} kbit/s each` : "") +
      `; receivers got ${range(recv)} kbit/s each`,
  );
  lines.push(`versions: node ${process.version}, nginx ${info.nginxVersion}, ffmpeg ${ffmpegVersion()}; Prism at ${info.revision}, run as ${prismRunAs()}`);

  // Per scenario: the spread over the window's four 5 s parts, and every warning.
  lines.push("");
  lines.push(`per scenario: CPU % in each quarter of the window; receivers' kbit/s (min–max); warnings`);
  for (const r of results) {
    const head = `  ${IMPL_LABEL[r.impl].padEnd(16)} N=${String(r.n).padEnd(2)} `;
    if (!r.usage) {
      lines.push(`${head}ERROR ${r.error ?? ""}`);
      continue;
    }
    const parts = r.usage.partsPct.map((p) => p.toFixed(1)).join(" ");
    const dests = r.health
      ? `  Prism destinations ${range(r.health.destinations.map((d) => d.bitrateKbps))} (${r.health.destinations.filter((d) => d.state === "live").length}/${r.n} live)`
      : "";
    lines.push(`${head}cpu [${parts}]  receivers ${range(r.receiverKbps)}${dests}${r.warnings.length ? `  WARNING: ${r.warnings.join("; ")}` : ""}`);
  }
  const warned = results.filter((r) => r.warnings.length > 0 || r.error).length;
  lines.push(warned ? `${warned} scenario(s) with warnings or errors, marked (!) / error above` : "all scenarios: every receiver got the stream through the whole window");
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
