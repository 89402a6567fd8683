import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { joinCluster, StreamOwnership, type Cluster, type LeaseLostError, type NodeInfo } from "../../src/cluster/index.js";
import { startNats, type TestNats } from "../support/nats.js";

const LEASE_MS = 1_500;
const STREAM = "7d1e5c2a-0000-4000-8000-00000000000";
let streams = 0;
const freshStream = () => `${STREAM}${++streams}`;

let nats: TestNats;
const joined: Cluster[] = [];

beforeAll(async () => {
  nats = await startNats();
});

afterAll(async () => {
  await Promise.all(joined.map((c) => c.leave()));
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

/** A node of the test cluster and its view of stream ownership; `lost` collects the streams taken from it. */
async function startNode(nodeId: string): Promise<{ cluster: Cluster; ownership: StreamOwnership; lost: Array<[string, LeaseLostError]> }> {
  const cluster = await joinCluster({ natsUrl: nats.url, nodeId, leaseMs: LEASE_MS }, node);
  joined.push(cluster);
  const lost: Array<[string, LeaseLostError]> = [];
  const ownership = new StreamOwnership(cluster.link, nodeId, cluster.streams, cluster.requests, { pollMs: 100, onLost: (id, err) => lost.push([id, err]) });
  return { cluster, ownership, lost };
}

describe("stream ownership across nodes", () => {
  it("refuses a publisher on another node while the owner is alive, and frees the stream when it ends", async () => {
    const one = await startNode("own-1");
    const two = await startNode("own-2");
    const stream = freshStream();
    const claim = await one.ownership.claim(stream, "sess-1");
    expect(claim).toMatchObject({ ok: true, lease: { value: { nodeId: "own-1", sessionId: "sess-1", epoch: 1 } } });
    expect(await two.ownership.claim(stream, "sess-2")).toEqual({ ok: false, owner: { nodeId: "own-1", sessionId: "sess-1", epoch: 1 } });
    expect(await two.ownership.ownerOf(stream)).toEqual({ nodeId: "own-1", sessionId: "sess-1", epoch: 1 });
    expect(one.ownership.owned()).toEqual([stream]);
    await one.ownership.release(stream);
    expect(await two.ownership.ownerOf(stream)).toBeNull();
    expect(await two.ownership.claim(stream, "sess-2")).toMatchObject({ ok: true, lease: { value: { nodeId: "own-2", sessionId: "sess-2", epoch: 1 } } });
    await two.ownership.release(stream);
  });

  it("keeps the stream of a live owner past the lease TTL", async () => {
    const one = await startNode("keep-1");
    const two = await startNode("keep-2");
    const stream = freshStream();
    await one.ownership.claim(stream, "sess-1");
    await new Promise((r) => setTimeout(r, LEASE_MS * 2)); // time has to pass: renewals are what is under test
    expect(await two.ownership.claim(stream, "sess-2")).toEqual({ ok: false, owner: { nodeId: "keep-1", sessionId: "sess-1", epoch: 1 } });
    expect(one.lost).toEqual([]);
    await one.ownership.release(stream);
  });

  it("takes a dead owner's stream over once its lease lapses, keeping the session, with the next epoch; one taker wins", async () => {
    const dying = await startNode("dead-1");
    const two = await startNode("dead-2");
    const three = await startNode("dead-3");
    const stream = freshStream();
    await dying.ownership.claim(stream, "sess-1");
    await dying.cluster.link.close(); // a crash: no release, no renewals, no answer to pings

    const pending = [two.ownership.claim(stream, "sess-2"), three.ownership.claim(stream, "sess-3")];
    const first = await Promise.race(pending);
    expect(first).toMatchObject({ ok: true, takenOverFrom: { nodeId: "dead-1", sessionId: "sess-1", epoch: 1 } });
    const winner = (first as { lease: { value: { nodeId: string } } }).lease.value.nodeId;
    expect(await two.ownership.ownerOf(stream)).toEqual({ nodeId: winner, sessionId: "sess-1", epoch: 2 });
    // The other taker meets a live owner now and is refused.
    const results = await Promise.all(pending);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toEqual({ ok: false, owner: { nodeId: winner, sessionId: "sess-1", epoch: 2 } });
    await (winner === "dead-2" ? two : three).ownership.release(stream);
  });

  it("gives up waiting for a dead owner when the publisher goes away", async () => {
    const dying = await startNode("gone-1");
    const two = await startNode("gone-2");
    const stream = freshStream();
    await dying.ownership.claim(stream, "sess-1");
    await dying.cluster.link.close();
    const abandoned = new AbortController();
    const claim = two.ownership.claim(stream, "sess-2", abandoned.signal);
    abandoned.abort(new Error("the publisher disconnected"));
    await expect(claim).rejects.toThrow(/aborted|the publisher disconnected/);
    expect(two.ownership.owned()).toEqual([]);
  });

  it("refuses to decide while NATS is down", async () => {
    const one = await startNode("down-1");
    await nats.stop();
    await one.cluster.link.when(false);
    await expect(one.ownership.claim(freshStream(), "sess-1")).rejects.toThrow(
      "Cluster coordination is unavailable (this node lost its connection to NATS); try again in a few seconds",
    );
    await nats.start();
    await one.cluster.link.when(true);
  });
});
