import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/pg.js";
import { startNats, type TestNats } from "../support/nats.js";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { killAll, withTimeout } from "../support/children.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";
import { startHttpReceiver, type HttpReceiver } from "../webhooks/http-receiver.js";
import { runCli } from "../cli/run-cli.js";
import { joinCluster } from "../../src/cluster/index.js";

/**
 * Two real Prism nodes (in this process) on one PostgreSQL database and one nats-server form a cluster: a stream
 * created through one node is published to the other, refused as a second publisher on the first, seen live
 * through either, and announced once.
 */
describe("two Prism nodes on one PostgreSQL and one NATS", () => {
  let nats: TestNats;
  let db: TestDatabase;
  let a: TestPrism;
  let b: TestPrism;
  let hooks: HttpReceiver;

  // Every node shares the master key: stream keys written by one are read by the other.
  const clusterEnv = (nodeId: string) => ({
    PRISM_DATABASE_URL: db.url,
    PRISM_NATS_URL: nats.url,
    PRISM_NODE_ID: nodeId,
    PRISM_CLUSTER_LEASE_MS: "3000",
    PRISM_SECRET: "cluster-test-master-secret-0123456789abcdef",
    PRISM_WEBHOOK_ALLOW_PRIVATE: "true",
    PRISM_WEBHOOK_RETRY_INITIAL_MS: "200",
  });

  beforeAll(async () => {
    [nats, db, hooks] = await Promise.all([startNats(), createTestDatabase(), startHttpReceiver()]);
    a = await startTestPrism({ env: clusterEnv("node-a") });
    b = await startTestPrism({ env: clusterEnv("node-b") });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    // Publishers and receivers; nats-server is a tracked child too, so only once the nodes are stopped.
    await killAll();
    await hooks?.close();
    await nats?.dispose().catch(() => undefined);
    await db?.drop();
    await removeTempDirs();
  });

  it("publishes to one node, refuses the same key on the other, and shows the stream live from both", async () => {
    const sub = await a.api("POST", "/api/v1/webhooks", { url: hooks.url, events: ["stream.started", "stream.ended"] });
    expect(sub.status).toBe(201);
    const stream = (await a.api("POST", "/api/v1/streams", { name: "Clustered" })).body;
    const receiver = await startRtmpReceiver({ dir: await makeTempDir("prism-cluster-"), name: "platform" });
    const destination = (await a.api("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "custom", name: "Platform", url: receiver.url, streamKey: receiver.key })).body;

    const onB = publishTestStream({ url: b.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await withTimeout(onB.publishing, 20_000, "onB publish outcome")).toBe(true);
    // The destination node B relays to goes live; node A reads it from B's health snapshots.
    const healthOnA = await waitFor(
      async () => {
        const { body } = await a.api("GET", `/api/v1/streams/${stream.id}/health`);
        // The ingest's bitrate is measured over its first second: a snapshot from before then says 0.
        return body.live && body.ingest?.bitrateKbps > 0 && body.destinations.find((d: { id: string }) => d.id === destination.id)?.state === "live" ? body : null;
      },
      { timeoutMs: 15_000, what: "node A to show the stream live, its ingest measured and its destination live" },
    );
    expect(healthOnA.ingest).toMatchObject({ videoCodec: expect.any(String), width: expect.any(Number) });

    // The same key on node A: refused as a second publisher on one node is, and ffmpeg gives up.
    const onA = publishTestStream({ url: a.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await withTimeout(onA.publishing, 20_000, "onA publish outcome")).toBe(false);
    expect(a.logs()).toContain("publish refused: the stream is live on another node");

    const { body: cluster } = await a.api("GET", "/api/v1/cluster");
    expect(cluster).toMatchObject({ nodeId: "node-a", clustered: true });
    expect(cluster.nodes.map((n: { nodeId: string; streams: string[] }) => [n.nodeId, n.streams])).toEqual([
      ["node-a", []],
      ["node-b", [stream.id]],
    ]);
    expect(cluster.nodes[1]).toMatchObject({ httpUrl: `http://127.0.0.1:${b.prism.httpPort}`, rtmpUrl: `rtmp://127.0.0.1:${b.prism.rtmpPort}/live`, draining: false });

    // Every series of A's metrics names the node.
    const metrics = await fetch(`http://127.0.0.1:${a.prism.httpPort}/metrics`, { headers: { authorization: `Bearer ${a.token}` } }).then((r) => r.text());
    const series = metrics.split("\n").filter((line) => line && !line.startsWith("#"));
    expect(series.length).toBeGreaterThan(0);
    expect(series.filter((line) => !line.includes('node="node-a"'))).toEqual([]);

    await withTimeout(onB.stop(), 15_000, "onB stop");
    const announced = (type: string) => hooks.requests.map((r) => JSON.parse(r.body)).filter((e) => e.type === type && e.data.streamId === stream.id);
    await waitFor(() => announced("stream.ended").length >= 1, { timeoutMs: 15_000, what: "stream.ended delivered" });
    // The lease is released with the stream: node A takes the next publish at once.
    await waitFor(async () => !(await a.api("GET", `/api/v1/streams/${stream.id}/health`)).body.live, { what: "the stream to end on node A's view" });
    expect(announced("stream.started")).toHaveLength(1);
    expect(announced("stream.ended")).toHaveLength(1);
    // One broadcast session: the refused publish on node A started none.
    expect((await a.api("GET", `/api/v1/streams/${stream.id}/sessions`)).body.sessions).toHaveLength(1);

    const again = publishTestStream({ url: a.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await withTimeout(again.publishing, 20_000, "again publish outcome")).toBe(true);
    await withTimeout(again.stop(), 15_000, "again stop");
  });

  it("refuses to start a node whose PRISM_NODE_ID a running node uses", async () => {
    const dataDir = await makeTempDir("prism-duplicate-node-");
    const duplicate = await runCli(["start"], { ...clusterEnv("node-a"), PRISM_DATA_DIR: dataDir, PRISM_HOST: "127.0.0.1", PRISM_RTMP_PORT: "0", PRISM_HTTP_PORT: "0" });
    expect(duplicate.code).not.toBe(0);
    expect(duplicate.stderr).toContain("PRISM_NODE_ID node-a is already used by a running node");
    expect(duplicate.stderr).not.toContain("cluster-test-master-secret");
    // The running node is still the one registered.
    const { body: cluster } = await b.api("GET", "/api/v1/cluster");
    expect(cluster.nodes.map((n: { nodeId: string; httpUrl: string }) => [n.nodeId, n.httpUrl])).toEqual([
      ["node-a", `http://127.0.0.1:${a.prism.httpPort}`],
      ["node-b", `http://127.0.0.1:${b.prism.httpPort}`],
    ]);
  });

  it("refuses a publish while this node cannot reach NATS, and takes publishes again once it can", async () => {
    const stream = (await a.api("POST", "/api/v1/streams", { name: "Cut off" })).body;
    await withTimeout(nats.stop(), 15_000, "nats stop");
    await waitFor(async () => (await a.api("GET", "/api/v1/cluster")).status === 503, { what: "node A to notice NATS is gone" });
    const cutOff = publishTestStream({ url: a.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await withTimeout(cutOff.publishing, 20_000, "cutOff publish outcome")).toBe(false);
    expect(a.logs()).toContain("Cluster coordination is unavailable (this node lost its connection to NATS); try again in a few seconds.");

    await nats.start();
    await waitFor(async () => (await a.api("GET", "/api/v1/cluster")).status === 200, { timeoutMs: 15_000, what: "node A back on NATS" });
    const back = publishTestStream({ url: a.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await withTimeout(back.publishing, 20_000, "back publish outcome")).toBe(true);
    await waitFor(async () => (await b.api("GET", `/api/v1/streams/${stream.id}/health`)).body.live, { timeoutMs: 15_000, what: "node B to see the stream live on A" });
    await withTimeout(back.stop(), 15_000, "back stop");
  });

  it("holds a publish until the lease of an owner that died lapses, then takes the stream", async () => {
    const stream = (await a.api("POST", "/api/v1/streams", { name: "Orphaned" })).body;
    // A node that claimed the stream and died without a word: its lease stays until the TTL (3 s) runs out.
    const ghost = await joinCluster(
      { natsUrl: nats.url, nodeId: "node-ghost", leaseMs: 3_000 },
      { version: "0.0.0", httpUrl: "", rtmpUrl: "", startedAt: new Date().toISOString(), draining: false, load: { cpu: 0, streams: 1, outputs: 0, bitrateKbps: 0 } },
    );
    expect((await ghost.streams.claim(stream.id, { nodeId: "node-ghost", sessionId: "ghost-session", epoch: 1 })).won).toBe(true);
    await ghost.link.close();

    const publisher = publishTestStream({ url: b.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await withTimeout(publisher.publishing, 20_000, "publisher publish outcome")).toBe(true);
    expect(b.logs()).toContain("took the stream over from a node that stopped answering");
    const { body: cluster } = await a.api("GET", "/api/v1/cluster");
    expect(cluster.nodes.find((n: { nodeId: string }) => n.nodeId === "node-b").streams).toContain(stream.id);
    await withTimeout(publisher.stop(), 15_000, "publisher stop");
  });

  it("claims a stream once for a primary and a backup arriving together, and refuses the backup key on the other node", async () => {
    const stream = (await a.api("POST", "/api/v1/streams", { name: "Two encoders" })).body;
    const primary = publishTestStream({ url: a.publishUrl(stream.streamKey), durationSec: Infinity });
    const backup = publishTestStream({ url: a.publishUrl(stream.backupStreamKey), durationSec: Infinity, color: "0xC02020" });
    expect(await withTimeout(Promise.all([primary.publishing, backup.publishing]), 20_000, "primary and backup publish outcomes")).toEqual([true, true]);
    const secondBackup = publishTestStream({ url: b.publishUrl(stream.backupStreamKey), durationSec: Infinity });
    expect(await withTimeout(secondBackup.publishing, 20_000, "secondBackup publish outcome")).toBe(false);
    const health = (await a.api("GET", `/api/v1/streams/${stream.id}/health`)).body;
    expect(health.ingest).toMatchObject({ primary: { connected: true }, backup: { connected: true } });
    await withTimeout(backup.stop(), 15_000, "backup stop");
    await withTimeout(primary.stop(), 15_000, "primary stop");
    await waitFor(async () => (await b.api("GET", "/api/v1/cluster")).body.nodes.every((n: { streams: string[] }) => !n.streams.includes(stream.id)), { what: "the lease released" });
  });
  it("answers requests only the owner can serve on any node: a thumbnail of a stream live on B, asked of A", async () => {
    const stream = (await a.api("POST", "/api/v1/streams", { name: "Seen from afar" })).body;
    const publisher = publishTestStream({ url: b.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await withTimeout(publisher.publishing, 20_000, "publisher publish outcome")).toBe(true);
    // Node A has no picture of its own (the stream is not live there): the request goes to B, its answer comes back.
    const thumbnail = await waitFor(
      async () => {
        const res = await fetch(`http://127.0.0.1:${a.prism.httpPort}/api/v1/streams/${stream.id}/thumbnail.jpg`, { headers: { authorization: `Bearer ${a.token}` } });
        return res.status === 200 ? res : null;
      },
      { timeoutMs: 15_000, what: "node A to answer the thumbnail of the stream live on B" },
    );
    expect(thumbnail.headers.get("content-type")).toBe("image/jpeg");
    const jpeg = Buffer.from(await thumbnail.arrayBuffer());
    expect(jpeg.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    await withTimeout(publisher.stop(), 15_000, "publisher stop");
    // Offline again: answered by A itself, as on one node.
    await waitFor(async () => (await a.api("GET", `/api/v1/streams/${stream.id}/thumbnail.jpg`)).status === 404, { what: "the thumbnail to be gone once the stream ended" });
  });

  it("drops the publisher on the owner when its key is rotated through another node; the old key is refused, the new one publishes", async () => {
    const stream = (await a.api("POST", "/api/v1/streams", { name: "Leaked key" })).body;
    const leaked = publishTestStream({ url: b.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await withTimeout(leaked.publishing, 20_000, "leaked-key publish outcome")).toBe(true);
    // On air with pictures (the slate needs the stream's format to cover a drop).
    await waitFor(async () => (await a.api("GET", `/api/v1/streams/${stream.id}/health`)).body.ingest?.bitrateKbps > 0, { timeoutMs: 15_000, what: "node A to see the stream on air on B" });

    const rotated = await a.api("POST", `/api/v1/streams/${stream.id}/rotate-key`);
    expect(rotated.status, rotated.text).toBe(200);
    // Node B heard it over NATS and disconnected the encoder; the stream waits on the slate.
    await withTimeout(leaked.exited, 15_000, "node B to disconnect the publisher of the rotated key");
    expect(b.logs()).toContain("publisher disconnected: its stream key was rotated");
    await waitFor(async () => (await a.api("GET", `/api/v1/streams/${stream.id}/health`)).body.ingestState === "slate", { timeoutMs: 15_000, what: "the slate after the drop" });

    const old = publishTestStream({ url: b.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await withTimeout(old.publishing, 20_000, "old-key publish outcome")).toBe(false);
    const renewed = publishTestStream({ url: b.publishUrl(rotated.body.streamKey), durationSec: Infinity });
    expect(await withTimeout(renewed.publishing, 20_000, "new-key publish outcome")).toBe(true);
    await waitFor(async () => (await a.api("GET", `/api/v1/streams/${stream.id}/health`)).body.ingestState === "publisher", { timeoutMs: 15_000, what: "the new key's encoder on air" });
    await withTimeout(renewed.stop(), 15_000, "renewed stop");
  });

  it("moves a stream to the node its publisher reconnects to once no encoder publishes on the old owner; a second publisher is still refused", async () => {
    const stream = (await a.api("POST", "/api/v1/streams", { name: "Roaming" })).body;
    const first = publishTestStream({ url: b.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await withTimeout(first.publishing, 20_000, "first publish outcome")).toBe(true);
    // While it publishes on B, the same key on A is a second publisher.
    const second = publishTestStream({ url: a.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await withTimeout(second.publishing, 20_000, "second publish outcome")).toBe(false);

    // OBS's connection drops (B puts the slate up), and its reconnect lands on A through the load balancer.
    first.process.kill("SIGKILL");
    await waitFor(async () => (await b.api("GET", `/api/v1/streams/${stream.id}/health`)).body.ingestState === "slate", { timeoutMs: 15_000, what: "node B to cover with the slate" });
    const back = publishTestStream({ url: a.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await withTimeout(back.publishing, 20_000, "reconnect publish outcome")).toBe(true);
    expect(b.logs()).toContain("its publisher reconnected to node node-a");
    await waitFor(
      async () => (await b.api("GET", "/api/v1/cluster")).body.nodes.find((n: { nodeId: string }) => n.nodeId === "node-a")?.streams.includes(stream.id),
      { timeoutMs: 15_000, what: "the cluster to list the stream under node A" },
    );
    await withTimeout(back.stop(), 15_000, "reconnect stop");
  });

  // Last: a node that drains only stops.
  it("drains: refuses new publishers with 'reconnect', fails its health check, shows draining, and lets its live stream go on until it ends", async () => {
    const live = (await a.api("POST", "/api/v1/streams", { name: "Still on air" })).body;
    const other = (await a.api("POST", "/api/v1/streams", { name: "Newcomer" })).body;
    const publisher = publishTestStream({ url: b.publishUrl(live.streamKey), durationSec: Infinity });
    expect(await withTimeout(publisher.publishing, 20_000, "publisher publish outcome")).toBe(true);

    let drained = false;
    const draining = b.prism.drain().then(() => (drained = true));
    const health = await fetch(`http://127.0.0.1:${b.prism.httpPort}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ ok: false, draining: true });
    await waitFor(async () => (await a.api("GET", "/api/v1/cluster")).body.nodes.find((n: { nodeId: string }) => n.nodeId === "node-b")?.draining, { what: "the cluster to list node B as draining" });

    const refused = publishTestStream({ url: b.publishUrl(other.streamKey), durationSec: Infinity });
    expect(await withTimeout(refused.publishing, 20_000, "refused publish outcome")).toBe(false);
    expect(b.logs()).toContain("publish refused: this node is draining");
    // The newcomer goes to another node, as OBS reconnecting through the load balancer would.
    const elsewhere = publishTestStream({ url: a.publishUrl(other.streamKey), durationSec: Infinity });
    expect(await withTimeout(elsewhere.publishing, 20_000, "elsewhere publish outcome")).toBe(true);

    expect((await a.api("GET", `/api/v1/streams/${live.id}/health`)).body.live).toBe(true);
    expect(drained).toBe(false);
    await withTimeout(publisher.stop(), 15_000, "publisher stop");
    await withTimeout(draining, 15_000, "node B drained once its stream ended");
    await withTimeout(elsewhere.stop(), 15_000, "elsewhere stop");
  });
});
