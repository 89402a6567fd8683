/**
 * Soak bench: one ~6 Mbps stream (the cached 1080p30 clip, stream copy) relayed to 4 destinations
 * for --minutes (default 30), with a primary and a backup encoder publishing throughout. Every 2
 * minutes the 4th destination's receiver is SIGKILLed and started again on the same port; every
 * 5 minutes the primary encoder is SIGKILLed and started again 30 s later (Prism switches to the
 * backup, and back once the primary is steady). Each minute it prints Prism's RSS, heap used,
 * event-loop delay p99 (prom-client, over the minute), destination reconnects, encoder switches,
 * and the bytes the 3 healthy destinations lost; at the end, the exact loss from final counts.
 *
 *   npm run bench:soak [-- --minutes 30] [--receiver-every 120] [--primary-every 300] [--no-build]
 *
 * (--receiver-every / --primary-every, in seconds, let a short trial run see both faults.)
 *
 * Prints figures; asserts nothing. See bench/README.md.
 */
import { CLIP, ensureClip } from "../lib/clip.js";
import { startPublisher, type Tracked } from "../lib/ffmpeg.js";
import { freePort, installCleanup, rssKiB, sleep, stop, stopAll, waitFor } from "../lib/proc.js";
import { buildPrism, launchPrism, prismRevision } from "../relay/prism.js";
import { startSinks, type SinkProcess } from "../faults/sinks.js";
import { eventLoopDelaySeconds } from "../../src/metrics/metrics.js";

const started = Date.now();
const log = (msg: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${msg}\n`);

/** `--name value` or `--name=value`. */
function option(name: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

const minutes = Number(option("minutes") ?? 30);
const build = !process.argv.includes("--no-build");
const RECEIVER_EVERY_MS = Number(option("receiver-every") ?? 120) * 1000;
const PRIMARY_EVERY_MS = Number(option("primary-every") ?? 300) * 1000;
const PRIMARY_AWAY_MS = 30_000;
/** Bytes Prism has sent that have not reached the receiver this long after are counted as lost. */
const DELIVERY_GRACE_MS = 1_000;

interface Health {
  ingestState: string;
  destinations: Array<{ name: string; bytesOut: number; reconnects: number; state: string }>;
}

interface Row {
  minute: number;
  rssMiB: number;
  heapMiB: number;
  loopP99Ms: number;
  reconnects: number;
  switches: number;
  healthyLost: number;
  healthyConnections: number;
  ingestState: string;
}

async function main(): Promise<void> {
  installCleanup();
  if (!(minutes > 0)) throw new Error("--minutes must be a positive number");
  if (!(RECEIVER_EVERY_MS >= 10_000 && PRIMARY_EVERY_MS > PRIMARY_AWAY_MS + 15_000)) throw new Error("--receiver-every must be at least 10 s and --primary-every more than 45 s");
  const clip = await ensureClip(log);
  if (build) {
    log("npm run build");
    await buildPrism();
  }
  const ports = await Promise.all([0, 1, 2, 3].map(() => freePort()));
  const healthyPorts = ports.slice(0, 3);
  const flakyPort = ports[3]!;
  const healthy = startSinks("healthy receivers", healthyPorts, { progressMs: 250 });
  let flaky = startSinks("flaky receiver #1", [flakyPort]);
  await Promise.all([healthy.waitListening(10_000), flaky.waitListening(10_000)]);

  const prism = await launchPrism("prism-bench-soak-");
  const stream = await prism.call<{ id: string; ingestUrl: string; streamKey: string; backupStreamKey: string }>("POST", "/streams", { name: "bench-soak" }, 201);
  const names = ["healthy-1", "healthy-2", "healthy-3", "flaky"];
  for (const [i, port] of ports.entries()) {
    await prism.call("POST", `/streams/${stream.id}/destinations`, { platform: "custom", name: names[i], url: `rtmp://127.0.0.1:${port}/app`, streamKey: "k" }, 201);
  }
  const health = () => prism.call<Health>("GET", `/streams/${stream.id}/health`);
  const metrics = async () => {
    const res = await fetch(`${prism.origin}/metrics`, { headers: { Authorization: `Bearer ${prism.token}` } });
    return res.text();
  };

  let primary: Tracked = startPublisher(clip, `${stream.ingestUrl}/${stream.streamKey}`);
  const live = await waitFor(async () => (await health()).destinations.every((d) => d.state === "live"), 30_000);
  if (!live) throw new Error(`destinations did not go live:\n${primary.proc.tail()}`);
  const backup = startPublisher(clip, `${stream.ingestUrl}/${stream.backupStreamKey}`);
  log(`live: ${CLIP.height}p${CLIP.fps} ${CLIP.videoBitrate} clip, primary + backup publishing, 4 destinations; ${minutes} min`);

  const endAt = Date.now() + minutes * 60_000;
  let nextReceiverKill = Date.now() + RECEIVER_EVERY_MS;
  let nextPrimaryDrop = Date.now() + PRIMARY_EVERY_MS;
  let primaryBackAt: number | null = null;
  let nextSample = Date.now() + 60_000;
  let receiverRestarts = 0;
  let primaryDrops = 0;
  const rows: Row[] = [];
  process.stdout.write(header());
  while (Date.now() < endAt) {
    await sleep(250);
    const now = Date.now();
    if (now >= nextReceiverKill) {
      nextReceiverKill += RECEIVER_EVERY_MS;
      process.kill(flaky.proc.pid, "SIGKILL");
      await flaky.proc.exited;
      flaky = startSinks(`flaky receiver #${++receiverRestarts + 1}`, [flakyPort]);
      await flaky.waitListening(10_000);
      log(`flaky receiver killed and restarted (#${receiverRestarts})`);
    }
    if (now >= nextPrimaryDrop) {
      nextPrimaryDrop += PRIMARY_EVERY_MS;
      process.kill(primary.proc.pid, "SIGKILL");
      primaryDrops++;
      primaryBackAt = now + PRIMARY_AWAY_MS;
      log(`primary encoder killed (#${primaryDrops}); back in ${PRIMARY_AWAY_MS / 1000} s`);
    }
    if (primaryBackAt !== null && now >= primaryBackAt) {
      primaryBackAt = null;
      primary = startPublisher(clip, `${stream.ingestUrl}/${stream.streamKey}`);
      log("primary encoder started again");
    }
    if (now >= nextSample) {
      nextSample += 60_000;
      const row = await sample(rows.length + 1, prism.proc.pid, health, metrics, healthy);
      rows.push(row);
      process.stdout.write(line(row));
    }
  }

  // The end: both encoders stop, the stream ends, every output flushes and closes.
  await stop(primary.proc);
  await stop(backup.proc);
  const ended = await waitFor(() => healthyPorts.every((p) => healthy.closed.some((c) => c.port === p)), 20_000);
  const final = await health();
  const exact = healthyPorts.map((port, i) => {
    const received = healthy.closed.filter((c) => c.port === port).reduce((n, c) => n + c.mediaBytes, 0);
    return final.destinations.find((d) => d.name === names[i])!.bytesOut - received;
  });
  const elapsedMin = (Date.now() - started) / 60_000;
  process.stdout.write(
    `\nPrism ${prismRevision()}; ${minutes} min soak, ${receiverRestarts} receiver kill/restarts (every ${RECEIVER_EVERY_MS / 1000} s), ${primaryDrops} primary drops (every ${PRIMARY_EVERY_MS / 1000} s, away ${PRIMARY_AWAY_MS / 1000} s, backup on air meanwhile)\n` +
      `healthy destinations, final count: sent − received = ${exact.join(", ")} bytes${ended ? "" : " (not every healthy receiver closed in time: counts may be partial)"}\n` +
      `healthy connections per receiver: ${healthyPorts.map((p) => healthy.events.filter((e) => e.ev === "accepted" && e.port === p).length).join(", ")} (1 = never dropped)\n` +
      `RSS first/last minute: ${rows[0]?.rssMiB ?? "-"} / ${rows.at(-1)?.rssMiB ?? "-"} MiB; total run time ${elapsedMin.toFixed(1)} min\n`,
  );
  await prism.cleanup();
  await stopAll();
}

async function sample(
  minute: number,
  pid: number,
  health: () => Promise<Health>,
  metrics: () => Promise<string>,
  healthy: SinkProcess,
): Promise<Row> {
  const text = await metrics();
  const metric = (name: string, filter = "") => {
    const m = new RegExp(`^${name}(\\{[^}]*${filter}[^}]*\\})? (\\S+)$`, "gm");
    return [...text.matchAll(m)].reduce((n, x) => n + Number(x[2]), 0);
  };
  const h = await health();
  const sentAt = Date.now();
  // Past the grace period by more than one progress interval, so a report from after it is in.
  await sleep(DELIVERY_GRACE_MS + 600);
  // What each healthy receiver got, from its progress reports after the grace period.
  let healthyLost = 0;
  for (const [i, port] of healthy.ports.entries()) {
    const sent = h.destinations.find((d) => d.name === `healthy-${i + 1}`)?.bytesOut ?? 0;
    const latest = healthy.events.filter((e) => e.ev === "progress" && e.port === port && e.at >= sentAt + DELIVERY_GRACE_MS).at(-1);
    const received = latest && "mediaBytes" in latest ? latest.mediaBytes : 0;
    healthyLost += Math.max(0, sent - received);
  }
  // Progress events pile up over a long run: keep only the recent ones.
  const cutoff = Date.now() - 10_000;
  for (let k = healthy.events.length - 1; k >= 0; k--) if (healthy.events[k]!.ev === "progress" && healthy.events[k]!.at < cutoff) healthy.events.splice(k, 1);
  return {
    minute,
    rssMiB: Math.round((rssKiB(pid) ?? 0) / 1024),
    heapMiB: Math.round(metric("nodejs_heap_size_used_bytes") / 1024 / 1024),
    // The lag figure spans one sampling interval; less it, the delay (see src/metrics/metrics.ts).
    loopP99Ms: Math.round(eventLoopDelaySeconds(metric("nodejs_eventloop_lag_p99_seconds")) * 1000 * 10) / 10,
    reconnects: h.destinations.reduce((n, d) => n + d.reconnects, 0),
    switches: metric("prism_ingest_switches_total"),
    healthyLost,
    healthyConnections: healthy.events.filter((e) => e.ev === "accepted").length,
    ingestState: h.ingestState,
  };
}

const COLUMNS = ["min", "RSS MiB", "heap MiB", "loop p99 ms", "reconnects", "switches", "healthy lost B", "healthy conns", "on air"];

function header(): string {
  return `${COLUMNS.map((c) => c.padStart(16)).join("")}\n`;
}

function line(r: Row): string {
  const cells = [r.minute, r.rssMiB, r.heapMiB, r.loopP99Ms, r.reconnects, r.switches, r.healthyLost, r.healthyConnections, r.ingestState];
  return `${cells.map((c) => String(c).padStart(16)).join("")}\n`;
}

main().catch(async (err: unknown) => {
  process.stderr.write(`bench:soak failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  await stopAll();
  process.exit(1);
});
