import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuplicateNodeIdError, joinCluster, type NodeInfo } from "../../src/cluster/index.js";
import { startNats, type TestNats } from "../support/nats.js";

let nats: TestNats;

beforeAll(async () => {
  nats = await startNats();
});

afterAll(async () => {
  await nats?.dispose();
});

const node: Omit<NodeInfo, "nodeId"> = {
  version: "0.1.0",
  httpUrl: "http://10.0.0.1:8080",
  rtmpUrl: "rtmp://10.0.0.1:1935",
  startedAt: "2026-12-06T08:00:00.000Z",
  draining: false,
  load: { cpu: 0, streams: 0, outputs: 0, bitrateKbps: 0 },
};

describe("joining the cluster", () => {
  it("joins with its node id, owns streams through the stream leases, and frees its id on leaving", async () => {
    const one = await joinCluster({ natsUrl: nats.url, nodeId: "node-1", leaseMs: 3_000 }, node);
    const two = await joinCluster({ natsUrl: nats.url, nodeId: "node-2", leaseMs: 3_000 }, node);
    expect((await two.nodes.list()).map((n) => n.nodeId)).toEqual(["node-1", "node-2"]);

    const claim = await one.streams.claim("3f0c1a52-0000-4000-8000-000000000001", { nodeId: "node-1", sessionId: "sess-1", epoch: 1 });
    expect(claim.won).toBe(true);
    expect(await two.streams.claim("3f0c1a52-0000-4000-8000-000000000001", { nodeId: "node-2", sessionId: "sess-2", epoch: 1 })).toMatchObject({
      won: false,
      holder: { value: { nodeId: "node-1", sessionId: "sess-1", epoch: 1 } },
    });
    const chore = await one.chores.claim("prune", { nodeId: "node-1" });
    expect(chore.won).toBe(true);

    await one.leave();
    expect(one.link.isUp()).toBe(false);
    expect((await two.nodes.list()).map((n) => n.nodeId)).toEqual(["node-2"]);
    // Its id is free again at once: a restart joins without waiting for the entry's TTL.
    const again = await joinCluster({ natsUrl: nats.url, nodeId: "node-1", leaseMs: 3_000 }, node);
    await again.leave();
    await two.leave();
  });

  it("refuses a node whose id a live node uses", async () => {
    const first = await joinCluster({ natsUrl: nats.url, nodeId: "node-x", leaseMs: 3_000 }, node);
    await expect(joinCluster({ natsUrl: nats.url, nodeId: "node-x", leaseMs: 3_000 }, { ...node, startedAt: "2026-12-06T09:00:00.000Z" })).rejects.toBeInstanceOf(DuplicateNodeIdError);
    expect((await first.nodes.list()).map((n) => [n.nodeId, n.startedAt])).toEqual([["node-x", "2026-12-06T08:00:00.000Z"]]);
    await first.leave();
  });

  it("refuses a node whose lease setting differs from the cluster's", async () => {
    const first = await joinCluster({ natsUrl: nats.url, nodeId: "node-y", leaseMs: 3_000 }, node);
    await expect(joinCluster({ natsUrl: nats.url, nodeId: "node-z", leaseMs: 6_000 }, node)).rejects.toThrow(
      "NATS bucket prism_streams keeps entries 3000 ms, but this node wants 6000 ms: every node of a cluster must use the same lease setting (PRISM_CLUSTER_LEASE_MS)",
    );
    // The refused node left the registry on its way out.
    expect((await first.nodes.list()).map((n) => n.nodeId)).toEqual(["node-y"]);
    await first.leave();
  });
});
