/**
 * Cluster benchmark (issue #21): three Prism nodes on one PostgreSQL and one nats-server, N looped ~6.3 Mbps
 * publishers through a round-robin TCP proxy (standing in for HAProxy), each stream relayed to D counting
 * receivers. Prints how the streams spread over the nodes and each node's CPU/RSS; then SIGKILLs the node that
 * owns the most streams, reconnects its publishers through the proxy at once (as OBS's auto-reconnect would) and
 * prints, per destination, the seconds from the kill to media again and the frames lost. The reference, in the
 * same run: the same number of streams on one Prism (SQLite) that is SIGKILLed and restarted at once on its ports
 * and data dir (a supervisor's restart), its publishers reconnecting the same way.
 *
 *   npm run bench:cluster [-- --streams=6 --dests=2 --lease-ms=3000 --retry-ms=250 --window=10 --no-reference --no-build]
 *
 * Prints figures; asserts nothing. Stops every process and removes every temp dir at the end and on Ctrl-C.
 */
import { randomBytes } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { startTcpProxy, type TcpProxy } from "../../test/support/tcp-proxy.js";
import { startSinks, type SinkProcess } from "../faults/sinks.js";
import { CLIP, ensureClip } from "../lib/clip.js";
import { ffmpegVersion } from "../lib/ffmpeg.js";
import { freePort, installCleanup, measure, stop, stopAll, waitFor, type Usage } from "../lib/proc.js";
import { buildPrism, prismRevision, prismRunAs } from "../relay/prism.js";
import { startNats, startPostgres, type Postgres } from "./infra.js";
import { allLive, createStream, launchNode, nodeSpec, type ClusterOverview, type CreatedStream, type NodeSpec, type PrismNode } from "./nodes.js";
import { ReconnectingPublisher } from "./publisher.js";
import { destinationCost, recoveryAfter, spread, type DestinationCost } from "./recovery.js";

const started = Date.now();
const log = (msg: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);

function option(name: string, fallback: number, min = 1): number {
  const raw = process.argv.slice(2).find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number of at least ${min}`);
  return n;
}

const NODES = 3;
const STREAMS = option("streams", 6);
const DESTS = option("dests", 2);
const LEASE_MS = option("lease-ms", 3000, 1000);
const RETRY_MS = option("retry-ms", 250, 0);
const WINDOW_MS = option("window", 10) * 1000;
const SETTLE_MS = 5_000;
const RECOVERY_TIMEOUT_MS = 60_000;

let postgres: Postgres | undefined;

interface Trial {
  streams: CreatedStream[];
  /** Receiver ports of stream i: ports[i * DESTS … (i + 1) * DESTS). */
  sink: SinkProcess;
  publishers: ReconnectingPublisher[];
}

interface ClusterResult {
  streamIds: string[];
  /** Per affected stream, seconds from the kill until GET /cluster lists it on a surviving node (null: never seen). */
  takenOverS: Array<number | null>;
  before: ClusterOverview;
  usageBefore: Map<string, Usage>;
  victim: string;
  affected: number[];
  killedAt: number;
  after: ClusterOverview;
  usageAfter: Map<string, Usage>;
  costs: DestinationCost[][];
}

interface ReferenceResult {
  streams: number;
  restartS: number;
  costs: DestinationCost[][];
}

async function main(): Promise<void> {
  installCleanup(async () => postgres?.stop());
  process.on("exit", () => postgres?.stop());
  const loadBefore = loadavg();
  const clip = await ensureClip(log);
  if (!process.argv.includes("--no-build")) {
    log("npm run build");
    await buildPrism();
  }
  const cluster = await runCluster(clip);
  const reference = process.argv.includes("--no-reference") ? null : await runReference(clip, cluster.affected.length);
  process.stdout.write(`\n${report(cluster, reference, loadBefore)}\n`);
}

/** Receivers for `streams` × DESTS destinations in one process (its CPU is not counted). */
async function receivers(name: string, streams: number): Promise<{ sink: SinkProcess; ports: number[] }> {
  const ports: number[] = [];
  for (let i = 0; i < streams * DESTS; i++) ports.push(await freePort());
  const sink = startSinks(name, ports);
  await sink.waitListening(20_000);
  return { sink, ports };
}

async function waitLive(api: PrismNode, streams: CreatedStream[], what: string): Promise<void> {
  const ok = await waitFor(async () => (await Promise.all(streams.map((s) => allLive(api, s.id, DESTS)))).every(Boolean), 90_000, 500);
  if (!ok) throw new Error(`${what}: not every stream and destination was live after 90 s`);
}

/** Waits until every destination of the streams `which` has media again after `since`. */
async function waitRecovered(trial: Trial, ports: number[], which: number[], since: number): Promise<void> {
  const wanted = which.flatMap((i) => ports.slice(i * DESTS, (i + 1) * DESTS));
  await waitFor(() => wanted.every((p) => recoveryAfter(trial.sink, p, since) !== null), RECOVERY_TIMEOUT_MS, 50);
}

/**
 * SIGKILLs the nodes (each receiver's connection closes at once, right after its last media, which the media-lost
 * figure relies on), waits for the receivers' final counts, then stops the publishers.
 */
async function finish(trial: Trial, ports: number[], nodes: PrismNode[]): Promise<void> {
  for (const n of nodes) if (n.proc.running()) process.kill(n.proc.pid, "SIGKILL");
  const mediaConns = () => trial.sink.events.filter((e) => e.ev === "media" && ports.includes(e.port)).length;
  const closedWithMedia = () => trial.sink.closed.filter((c) => c.firstMediaAt !== null && ports.includes(c.port)).length;
  const ok = await waitFor(() => closedWithMedia() >= mediaConns(), 20_000, 50);
  if (!ok) log(`WARNING: ${mediaConns() - closedWithMedia()} receiver connection(s) still open 20 s after the nodes were killed`);
  await Promise.all(trial.publishers.map((p) => p.stop()));
}

async function usageOf(nodes: PrismNode[]): Promise<Map<string, Usage>> {
  const usages = await Promise.all(nodes.map((n) => measure(() => [n.proc.pid], WINDOW_MS)));
  return new Map(nodes.map((n, i) => [n.name, usages[i]!]));
}

async function runCluster(clip: string): Promise<ClusterResult> {
  log("starting PostgreSQL and nats-server");
  postgres = await startPostgres();
  const nats = await startNats();
  const { sink, ports } = await receivers("receivers", STREAMS);
  const token = randomBytes(24).toString("base64url");
  const env = {
    PRISM_DATABASE_URL: postgres.url,
    PRISM_NATS_URL: nats.url,
    PRISM_CLUSTER_LEASE_MS: String(LEASE_MS),
    PRISM_SECRET: randomBytes(32).toString("base64url"),
    PRISM_DRAIN_SECONDS: "0", // the bench's own stop at the end: nothing to hand over by then
  };
  const nodes: PrismNode[] = [];
  for (let i = 1; i <= NODES; i++) {
    const spec = await nodeSpec(`node-${i}`, token, {});
    spec.env = { ...env, PRISM_NODE_ID: spec.name };
    log(`starting ${spec.name}`);
    nodes.push(await launchNode(spec));
  }
  const api = nodes[0]!;
  await waitFor(async () => (await api.call<ClusterOverview>("GET", "/cluster").catch(() => null))?.nodes.length === NODES, 20_000, 200);
  const proxy: TcpProxy = await startTcpProxy(nodes.map((n) => ({ host: "127.0.0.1", port: n.rtmpPort })));
  try {
    const streams: CreatedStream[] = [];
    for (let i = 0; i < STREAMS; i++) streams.push(await createStream(api, `bench-cluster-${i + 1}`, ports.slice(i * DESTS, (i + 1) * DESTS)));
    const trial: Trial = { streams, sink, publishers: [] };
    log(`${STREAMS} publishers through the round-robin proxy`);
    for (const [i, s] of streams.entries()) {
      const publisher = new ReconnectingPublisher(clip, `rtmp://127.0.0.1:${proxy.port}/live/${s.key}`, RETRY_MS, false);
      trial.publishers.push(publisher);
      publisher.start();
      // One connection at a time, so the round robin deals stream i to node i mod 3.
      await waitFor(() => proxy.routed.length > i, 10_000, 20);
    }
    await waitLive(api, streams, "cluster");
    log(`all live; settling ${SETTLE_MS / 1000} s, then CPU/RSS over ${WINDOW_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const usageBefore = await usageOf(nodes);
    const before = await api.call<ClusterOverview>("GET", "/cluster");

    const victimView = [...before.nodes].sort((a, b) => b.streams.length - a.streams.length)[0]!;
    const victim = nodes.find((n) => n.name === victimView.nodeId)!;
    const affected = streams.flatMap((s, i) => (victimView.streams.includes(s.id) ? [i] : []));
    log(`SIGKILL ${victim.name} (owns ${affected.length} streams); its publishers reconnect through the proxy at once`);
    const killedAt = Date.now();
    process.kill(victim.proc.pid, "SIGKILL");
    await Promise.all(affected.map((i) => trial.publishers[i]!.reconnect()));
    const survivors = nodes.filter((n) => n !== victim);
    const survivorApi = survivors[0]!;
    const [takenOverS] = await Promise.all([
      takeovers(survivorApi, affected.map((i) => streams[i]!.id), victim.name, killedAt),
      waitRecovered(trial, ports, affected, killedAt),
    ]);
    await waitLive(survivorApi, streams, "after the kill");
    log(`recovered; settling ${SETTLE_MS / 1000} s, then CPU/RSS over ${WINDOW_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const usageAfter = await usageOf(survivors);
    const after = await survivorApi.call<ClusterOverview>("GET", "/cluster");
    await finish(trial, ports, survivors);
    const costs = streams.map((_, i) => ports.slice(i * DESTS, (i + 1) * DESTS).map((p) => destinationCost(sink, p, affected.includes(i) ? killedAt : null, CLIP.fps)));
    return { streamIds: streams.map((s) => s.id), takenOverS, before, usageBefore, victim: victim.name, affected, killedAt, after, usageAfter, costs };
  } finally {
    await proxy.close();
    await stopAll();
    postgres.stop();
  }
}

/** Polls GET /cluster on `api` until each stream is listed on a node other than `dead`; seconds after `since` for each. */
async function takeovers(api: PrismNode, ids: string[], dead: string, since: number): Promise<Array<number | null>> {
  const seen = new Map<string, number>();
  await waitFor(async () => {
    const view = await api.call<ClusterOverview>("GET", "/cluster").catch(() => null);
    const now = Date.now();
    for (const n of view?.nodes ?? []) {
      if (n.nodeId === dead) continue;
      for (const id of n.streams) if (ids.includes(id) && !seen.has(id)) seen.set(id, (now - since) / 1000);
    }
    return seen.size === ids.length;
  }, RECOVERY_TIMEOUT_MS, 100);
  return ids.map((id) => seen.get(id) ?? null);
}

async function runReference(clip: string, count: number): Promise<ReferenceResult> {
  log(`reference: ${count} streams on one Prism (SQLite), SIGKILLed and restarted at once`);
  const { sink, ports } = await receivers("reference receivers", count);
  const spec: NodeSpec = await nodeSpec("single", randomBytes(24).toString("base64url"), {});
  let prism = await launchNode(spec);
  try {
    const streams: CreatedStream[] = [];
    for (let i = 0; i < count; i++) streams.push(await createStream(prism, `bench-single-${i + 1}`, ports.slice(i * DESTS, (i + 1) * DESTS)));
    const trial: Trial = { streams, sink, publishers: streams.map((s) => new ReconnectingPublisher(clip, `rtmp://127.0.0.1:${spec.rtmpPort}/live/${s.key}`, RETRY_MS, true)) };
    for (const p of trial.publishers) p.start();
    await waitLive(prism, streams, "reference");
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const killedAt = Date.now();
    process.kill(prism.proc.pid, "SIGKILL");
    await prism.proc.exited;
    await Promise.all(trial.publishers.map((p) => p.reconnect()));
    prism = await launchNode(spec);
    const restartS = (Date.now() - killedAt) / 1000;
    const all = streams.map((_, i) => i);
    await waitRecovered(trial, ports, all, killedAt);
    await waitLive(prism, streams, "reference after the restart");
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    await finish(trial, ports, [prism]);
    const costs = all.map((i) => ports.slice(i * DESTS, (i + 1) * DESTS).map((p) => destinationCost(sink, p, killedAt, CLIP.fps)));
    return { streams: count, restartS, costs };
  } finally {
    await stop(prism.proc, 12_000);
    await stopAll();
  }
}

function report(c: ClusterResult, ref: ReferenceResult | null, loadBefore: number[]): string {
  const lines: string[] = [];
  const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
  const streamName = (id: string) => (c.streamIds.includes(id) ? `s${c.streamIds.indexOf(id) + 1}` : id);
  lines.push(`cluster: ${NODES} nodes (one PostgreSQL, one nats-server -js), ${STREAMS} streams × ${DESTS} destinations, ${CLIP.height}p${CLIP.fps} ~6.3 Mbps looped clip, copy`);
  lines.push(`publishers through a round-robin TCP proxy; PRISM_CLUSTER_LEASE_MS=${LEASE_MS}; a publisher reconnects ${RETRY_MS} ms after its connection ends
(the reference's publishers probe its port every ${RETRY_MS} ms first, so a refused retry costs no ffmpeg start)`);
  lines.push("");
  lines.push(`before the kill (streams from GET /api/v1/cluster; CPU % of one core and RSS over ${WINDOW_MS / 1000} s, from /proc):`);
  for (const n of c.before.nodes) {
    const u = c.usageBefore.get(n.nodeId);
    lines.push(`  ${n.nodeId.padEnd(8)} ${String(n.streams.length).padStart(2)} stream${n.streams.length === 1 ? " " : "s"} (${n.streams.map(streamName).join(", ") || "–"}), ${n.load.outputs} outputs   CPU ${u ? u.cpuPct.toFixed(1) : "?"} %, RSS ${u ? u.rssMiB.toFixed(0) : "?"} MiB`);
  }
  lines.push(`SIGKILL ${c.victim}: ${c.affected.length} streams (${c.affected.map((i) => `s${i + 1}`).join(", ")}), ${c.affected.length * DESTS} destinations`);
  lines.push(`after (taken over):`);
  for (const n of c.after.nodes) {
    const u = c.usageAfter.get(n.nodeId);
    lines.push(`  ${n.nodeId.padEnd(8)} ${String(n.streams.length).padStart(2)} stream${n.streams.length === 1 ? " " : "s"} (${n.streams.map(streamName).join(", ") || "–"}), ${n.load.outputs} outputs   CPU ${u ? u.cpuPct.toFixed(1) : "?"} %, RSS ${u ? u.rssMiB.toFixed(0) : "?"} MiB`);
  }
  const hit = c.costs.filter((_, i) => c.affected.includes(i)).flat();
  const untouched = c.costs.filter((_, i) => !c.affected.includes(i)).flat();
  lines.push("");
  const refHit = ref?.costs.flat() ?? [];
  const row = (label: string, a: string, b: string) => lines.push(`  ${label.padEnd(58)}${a.padEnd(32)}${ref ? b : ""}`.trimEnd());
  row("per destination, min / median / max", `cluster (${hit.length} dests)`, `reference (${refHit.length} dests)`);
  row("seconds from the kill to media again at the receiver", spread(hit.map((d) => d.recoveryS), 2, " s"), spread(refHit.map((d) => d.recoveryS), 2, " s"));
  row("  of which until a survivor holds the lease", spread(c.takenOverS, 2, " s"), "");
  row("seconds of live media lost", spread(hit.map((d) => d.mediaLostS), 2, " s"), spread(refHit.map((d) => d.mediaLostS), 2, " s"));
  const frames = (xs: DestinationCost[]) => xs.map((d) => (d.mediaLostS === null ? null : d.mediaLostS * CLIP.fps));
  row(`  as video frames (${CLIP.fps} fps)`, spread(frames(hit), 0), spread(frames(refHit), 0));
  const reconnected = untouched.filter((d) => d.connections > 1).length;
  lines.push(`  the other ${untouched.length} destinations: ${reconnected} reconnected; largest step between video timestamps ${spread(untouched.map((d) => d.maxVideoGapMs), 0, " ms")}`);
  if (ref) {
    lines.push(`reference: ${ref.streams} streams × ${DESTS} on one Prism (SQLite), SIGKILLed and started again at once on the same ports and data dir`);
    lines.push(`  (as a supervisor's immediate restart would); its ports listened again ${ref.restartS.toFixed(2)} s after the kill; publishers reconnect the same way`);
  }
  lines.push("media lost: from the old connection's last media (its close, when the node died) to the moment the new connection's");
  lines.push("  first frame was made (its close at the final SIGKILL less the media time its FLV timestamps carried); less than the");
  lines.push("  seconds to media, because what the new owner ingests while its outputs connect reaches the receivers late, not never");
  lines.push(`machine: ${cpus().length} CPUs, shared; load average ${la(loadBefore)} before → ${la(loadavg())} after`);
  lines.push(`versions: node ${process.version}, ffmpeg ${ffmpegVersion()}, PostgreSQL ${postgres?.version ?? "?"}; Prism at ${prismRevision()}, run as ${prismRunAs()}`);
  const elapsed = (Date.now() - started) / 1000;
  lines.push(`total run time ${Math.floor(elapsed / 60)} min ${Math.round(elapsed % 60)} s`);
  return lines.join("\n");
}

main()
  .catch((err: unknown) => {
    log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopAll();
    postgres?.stop();
  });
