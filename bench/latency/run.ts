/**
 * Latency the relay adds: the clip published in real time from this process to Prism (N
 * destinations), to nginx-rtmp push (the same N) and straight to one receiver; the receivers run in
 * this process too, so one clock times each frame from the moment the publisher writes it to the
 * moment a receiver has parsed it, and the first media message at every destination after the
 * publish was accepted.
 *
 *   npm run bench:latency [-- --n=4 --seconds=30 --runs=3 --only=direct,nginx,prism --cold --no-build]
 *
 * Prism gets one 3 s publish to another stream before the measured one (--cold: none, its first publish).
 *
 * Prints figures; asserts nothing.
 */
import type { Logger } from "pino";
import { ensureClip } from "../lib/clip.js";
import { freePort, installCleanup, sleep, stopAll } from "../lib/proc.js";
import { RtmpSink } from "../lib/rtmp-sink.js";
import { routeNmsLogging } from "../../src/relay/rtmp/nms.js";
import { ensureNginx, startNginx, type NginxInstall } from "../relay/nginx.js";
import { buildPrism, launchPrism, prismRevision } from "../relay/prism.js";
import { FlvPublisher, frameKey, loadClipTags } from "./flv-publisher.js";

const started = Date.now();
const log = (msg: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);
function option(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.slice(2).find((a) => a.startsWith(prefix))?.slice(prefix.length);
}
const n = Number(option("n") ?? 4);
const seconds = Number(option("seconds") ?? 30);
const runs = Number(option("runs") ?? 3);
type Impl = "direct" | "nginx" | "prism";
const LABEL: Record<Impl, string> = { direct: "straight to a receiver", nginx: "nginx-rtmp push", prism: "Prism" };
const impls = (option("only") ?? "direct,nginx,prism").split(",").filter((i): i is Impl => i in LABEL);
/** Frames in the first seconds (connection set-up, catch-up GOP) are not counted as steady-state latency. */
const SKIP_MS = 3000;
const warm = !process.argv.includes("--cold");

interface RunResult {
  impl: Impl;
  /** ms from the publish being accepted to the first media message, per destination. */
  firstMedia: number[];
  /** ms from write to parse, every frame at every destination after SKIP_MS. */
  latencies: number[];
  unmatched: number;
}

async function runOnce(impl: Impl, tags: Awaited<ReturnType<typeof loadClipTags>>, nginx: NginxInstall): Promise<RunResult> {
  const result: RunResult = { impl, firstMedia: [], latencies: [], unmatched: 0 };
  const publisher = new FlvPublisher(tags);
  const count = impl === "direct" ? 1 : n;
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freePort());
  const cursors = new Map<string, number>();
  const firstAt = new Map<number, number>();
  const sinks = ports.map(
    (port) =>
      new RtmpSink(port, {
        onEvent: () => {},
        onMessage: (p, _conn, type, _dts, payload) => {
          const now = performance.now();
          if (type === 18) return;
          if (!firstAt.has(p)) firstAt.set(p, now);
          if (now - publisher.publishedAt < SKIP_MS) return;
          const key = frameKey(type === 8 ? "audio" : "video", payload);
          const list = publisher.sent.get(key);
          const cursorKey = `${p}|${key}`;
          const i = cursors.get(cursorKey) ?? 0;
          // Catch-up frames sent before SKIP_MS were skipped above; skip their send times too.
          let j = i;
          while (list && j < list.length && list[j]! < now - 5000) j++;
          if (!list || j >= list.length) {
            result.unmatched += 1;
            return;
          }
          cursors.set(cursorKey, j + 1);
          result.latencies.push(now - list[j]!);
        },
      }),
  );
  await Promise.all(sinks.map((s) => s.listen()));
  const cleanups: (() => Promise<void>)[] = [];
  try {
    let url: string;
    let key: string;
    if (impl === "direct") {
      url = `rtmp://127.0.0.1:${ports[0]}/app`;
      key = "k";
    } else if (impl === "nginx") {
      const port = await freePort();
      const server = await startNginx(nginx, port, ports);
      cleanups.push(server.stop);
      url = `rtmp://127.0.0.1:${port}/live`;
      key = "x";
    } else {
      const prism = await launchPrism("prism-latency-");
      cleanups.push(prism.cleanup);
      const stream = await prism.call<{ id: string; ingestUrl: string; streamKey: string }>("POST", "/streams", { name: "latency" }, 201);
      for (const [i, port] of ports.entries()) {
        await prism.call("POST", `/streams/${stream.id}/destinations`, { platform: "custom", name: `r${i + 1}`, url: `rtmp://127.0.0.1:${port}/app`, streamKey: "k" }, 201);
      }
      url = stream.ingestUrl;
      key = stream.streamKey;
      if (warm) {
        // One short publish to another stream first, so Prism's code paths are warm (a server up for
        // days, not one just started); nginx, compiled C, needs none.
        const spare = new RtmpSink(await freePort(), { onEvent: () => {} });
        await spare.listen();
        const other = await prism.call<{ id: string; streamKey: string }>("POST", "/streams", { name: "warm-up" }, 201);
        await prism.call("POST", `/streams/${other.id}/destinations`, { platform: "custom", name: "w", url: `rtmp://127.0.0.1:${spare.port}/app`, streamKey: "k" }, 201);
        const warmup = new FlvPublisher(tags);
        await warmup.start(url, other.streamKey);
        await sleep(3000);
        warmup.stop();
        await sleep(1000);
        await spare.close();
      }
    }
    await publisher.start(url, key);
    await sleep(seconds * 1000);
    for (const port of ports) {
      const at = firstAt.get(port);
      if (at !== undefined) result.firstMedia.push(at - publisher.publishedAt);
    }
  } finally {
    publisher.stop();
    await sleep(500);
    for (const c of cleanups.reverse()) await c();
    await Promise.all(sinks.map((s) => s.close()));
  }
  return result;
}

const rank = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
};
const median = (xs: number[]) => rank(xs, 0.5);

async function main(): Promise<void> {
  installCleanup();
  routeNmsLogging({ debug: () => {} } as unknown as Logger);
  const nginx = await ensureNginx(log);
  const tags = await loadClipTags(await ensureClip(log));
  if (impls.includes("prism") && !process.argv.includes("--no-build")) {
    log("npm run build");
    await buildPrism();
  }
  const results: RunResult[] = [];
  for (let r = 0; r < runs; r++) {
    for (const impl of impls) {
      log(`run ${r + 1}/${runs}: ${LABEL[impl]}`);
      results.push(await runOnce(impl, tags, nginx));
    }
  }
  const lines: string[] = [];
  lines.push(`latency: the 1080p30 ~6.3 Mbps clip published in real time to ${n} destinations (1 when straight), ${seconds} s per run, ${runs} runs${warm ? ", Prism warmed up by a 3 s publish to another stream" : ", each the relay's first publish (--cold)"}; medians over the runs`);
  lines.push(`${"".padEnd(26)}${"first media p50 / max".padEnd(26)}${"frame p50 / p99 / max".padEnd(28)}frames (unmatched)`);
  const direct = results.filter((r) => r.impl === "direct");
  const directFirst = direct.length ? median(direct.map((r) => median(r.firstMedia))) : NaN;
  for (const impl of impls) {
    const rs = results.filter((r) => r.impl === impl);
    const m = (f: (r: RunResult) => number) => median(rs.map(f));
    const first = `${m((r) => median(r.firstMedia)).toFixed(0)} / ${m((r) => Math.max(...r.firstMedia)).toFixed(0)} ms`;
    const frame = `${m((r) => rank(r.latencies, 0.5)).toFixed(2)} / ${m((r) => rank(r.latencies, 0.99)).toFixed(2)} / ${m((r) => Math.max(...r.latencies)).toFixed(1)} ms`;
    lines.push(`${LABEL[impl].padEnd(26)}${first.padEnd(26)}${frame.padEnd(28)}${m((r) => r.latencies.length)} (${m((r) => r.unmatched)})`);
  }
  if (Number.isFinite(directFirst)) {
    for (const impl of impls.filter((i) => i !== "direct")) {
      const rs = results.filter((r) => r.impl === impl);
      lines.push(`first media added by ${LABEL[impl]}: +${(median(rs.map((r) => median(r.firstMedia))) - directFirst).toFixed(0)} ms (median destination), +${(median(rs.map((r) => Math.max(...r.firstMedia))) - directFirst).toFixed(0)} ms (last destination)`);
    }
  }
  lines.push(`frame latency is publisher write → receiver parsed, both in this process, after the first ${SKIP_MS / 1000} s; "straight" is the floor (loopback + this process)`);
  lines.push(`versions: node ${process.version}, nginx ${nginx.version}; Prism at ${prismRevision()}`);
  process.stdout.write(`\n${lines.join("\n")}\n`);
}

main()
  .catch((err: unknown) => {
    log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopAll();
  });
