import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeRequests, StreamFeed } from "../../src/cluster/forward.js";
import { Leases, type Lease } from "../../src/cluster/leases.js";
import { ClusterUnavailableError, NatsLink } from "../../src/cluster/nats.js";
import { NodeRegistry } from "../../src/cluster/nodes.js";
import { closedPort } from "../support/ports.js";
import { startNats, type TestNats } from "../support/nats.js";

const TTL_MS = 3_000;

let nats: TestNats;
let linkA: NatsLink;
let linkB: NatsLink;

beforeAll(async () => {
  nats = await startNats();
  linkA = await NatsLink.connect({ url: nats.url, nodeId: "node-a", reconnectWaitMs: 100 });
  linkB = await NatsLink.connect({ url: nats.url, nodeId: "node-b", reconnectWaitMs: 100 });
});

afterAll(async () => {
  await linkA?.close();
  await linkB?.close();
  await nats?.dispose();
});

/** Resolves with the lease's revision once a renewal has moved it past `revision`. */
async function renewedPast(lease: Lease<unknown>, revision: number, leases: Leases<unknown>): Promise<void> {
  while ((await leases.holder(lease.key))!.revision <= revision) await leases.link.nc.flush();
}

describe("NATS going down and coming back", () => {
  it("goes down with the server, fails cross-node work clearly, and resumes leases and requests when it is back", async () => {
    const leasesA = await Leases.open<{ node: string }>(linkA, { bucket: "test_outage", ttlMs: TTL_MS });
    const leasesB = await Leases.open<{ node: string }>(linkB, { bucket: "test_outage", ttlMs: TTL_MS });
    const claim = await leasesA.claim("stream-1", { node: "a" });
    if (!claim.won) throw new Error("node a could not claim a free lease");
    const lease = claim.lease;
    const lost: unknown[] = [];
    lease.keep({ everyMs: 500, onLost: (err) => lost.push(err) });
    const requestsA = new NodeRequests(linkA, "node-a");
    const requestsB = new NodeRequests(linkB, "node-b");
    requestsA.serve("command", () => "pong");
    await linkA.nc.flush();
    expect(await requestsB.ask("node-a", "command", null)).toBe("pong");

    const changes: boolean[] = [];
    linkA.onChange((up) => changes.push(up));
    await nats.stop();
    await Promise.all([linkA.when(false), linkB.when(false)]);
    expect(linkA.isUp()).toBe(false);

    const since = Date.now();
    const err = await requestsB.ask("node-a", "command", null, { timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterUnavailableError);
    expect((err as Error).message).toBe(`Cannot reach node node-a: this node has lost its connection to NATS (nats://127.0.0.1:${nats.port}); it is reconnecting, try again shortly`);
    expect(Date.now() - since).toBeLessThan(10_000); // refused at once, not after the request's timeout
    expect(new StreamFeed(linkA, "health").publish("stream-1", { bitrateKbps: 1 })).toBe(false);
    await expect(lease.renew()).rejects.toThrow("Cannot renew the lease on stream-1: this node has lost its connection to NATS");
    await expect(leasesB.claim("stream-1", { node: "b" })).rejects.toBeInstanceOf(ClusterUnavailableError);

    await nats.start();
    await Promise.all([linkA.when(true), linkB.when(true)]);
    expect(changes).toEqual([false, true]);
    expect(await requestsB.ask("node-a", "command", null)).toBe("pong"); // the subscription came back by itself
    // The lease survived the restart (file storage), is still node a's, and its renewals resumed.
    const held = await leasesB.holder("stream-1");
    expect(held?.value).toEqual({ node: "a" });
    await renewedPast(lease, held!.revision, leasesB);
    expect(await leasesB.claim("stream-1", { node: "b" })).toMatchObject({ won: false, holder: { value: { node: "a" } } });
    expect(lost).toEqual([]);
    await lease.release();
  });

  it("re-registers a node whose entry lapsed while NATS was away", async () => {
    const registry = await NodeRegistry.join(
      linkA,
      { nodeId: "node-a", version: "0.1.0", httpUrl: "http://10.0.0.1:8080", rtmpUrl: "rtmp://10.0.0.1:1935", startedAt: "2026-12-06T08:00:00.000Z", draining: false, load: { cpu: 0, streams: 0, outputs: 0, bitrateKbps: 0 } },
      { ttlMs: 1_000, renewEveryMs: 200 },
    );
    await nats.stop();
    await linkA.when(false);
    // Away for longer than the entry's TTL: the restarted server expires it.
    await new Promise((r) => setTimeout(r, 1_500));
    await nats.start();
    await linkA.when(true);
    let nodes = await registry.list();
    while (nodes.length === 0) nodes = await registry.list();
    expect(nodes.map((n) => n.nodeId)).toEqual(["node-a"]);
    await registry.leave();
  });
});

describe("stopping during an outage", () => {
  it("closes at once while NATS is away, so a node shutting down then does not hang", async () => {
    const link = await NatsLink.connect({ url: nats.url, nodeId: "node-c", reconnectWaitMs: 100 });
    await nats.stop();
    await link.when(false);
    await link.close();
    expect(link.nc.isClosed()).toBe(true);
    expect(link.isUp()).toBe(false);
    await nats.start();
    await Promise.all([linkA.when(true), linkB.when(true)]);
  });
});

describe("connecting", () => {
  it("refuses to start without a reachable NATS, saying where it looked", async () => {
    const port = await closedPort();
    await expect(NatsLink.connect({ url: `nats://user:hunter2@127.0.0.1:${port}`, nodeId: "x", connectTimeoutMs: 2_000 })).rejects.toThrow(
      new RegExp(`^Cannot reach NATS at nats://\\*\\*\\*@127\\.0\\.0\\.1:${port} \\(.+\\): is nats-server running there with JetStream \\(-js\\)\\? \\(PRISM_NATS_URL\\)$`),
    );
  });

  it("refuses a NATS server without JetStream", async () => {
    const plain = await startNats({ jetstream: false });
    try {
      await expect(NatsLink.connect({ url: plain.url, nodeId: "x" })).rejects.toThrow(
        `NATS at nats://127.0.0.1:${plain.port} has no JetStream, which the cluster's leases need: start nats-server with -js (or "jetstream {}" in its configuration)`,
      );
    } finally {
      await plain.dispose();
    }
  });
});
