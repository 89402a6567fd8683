import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NatsLink } from "../../src/cluster/nats.js";
import { DuplicateNodeIdError, NodeRegistry, type NodeInfo } from "../../src/cluster/nodes.js";
import { startNats, type TestNats } from "../support/nats.js";

let nats: TestNats;
const links: NatsLink[] = [];

beforeAll(async () => {
  nats = await startNats();
});

afterAll(async () => {
  await Promise.all(links.map((l) => l.close()));
  await nats?.dispose();
});

async function link(nodeId: string): Promise<NatsLink> {
  const l = await NatsLink.connect({ url: nats.url, nodeId });
  links.push(l);
  return l;
}

function info(nodeId: string, startedAt: string): NodeInfo {
  return {
    nodeId,
    version: "0.1.0",
    httpUrl: `http://10.0.0.1:8080`,
    rtmpUrl: `rtmp://10.0.0.1:1935`,
    startedAt,
    draining: false,
    load: { cpu: 0, streams: 0, outputs: 0, bitrateKbps: 0 },
  };
}

describe("the node registry on a real nats-server", () => {
  it("lists the nodes that joined, with their addresses and load, and forgets one that left", async () => {
    const one = await NodeRegistry.join(await link("node-1"), info("node-1", "2026-12-06T08:00:00.000Z"));
    const two = await NodeRegistry.join(await link("node-2"), info("node-2", "2026-12-06T08:00:01.000Z"));
    expect(await one.list()).toEqual([info("node-1", "2026-12-06T08:00:00.000Z"), info("node-2", "2026-12-06T08:00:01.000Z")]);
    await two.update({ draining: true, load: { cpu: 12.5, streams: 2, outputs: 8, bitrateKbps: 12_000 } });
    expect((await one.list()).find((n) => n.nodeId === "node-2")).toMatchObject({ draining: true, load: { cpu: 12.5, streams: 2, outputs: 8, bitrateKbps: 12_000 } });
    await two.leave();
    expect((await one.list()).map((n) => n.nodeId)).toEqual(["node-1"]);
    await one.leave();
  });

  it("refuses a second node with the id of a live one, saying which", async () => {
    const first = await NodeRegistry.join(await link("node-dup"), info("node-dup", "2026-12-06T08:00:00.000Z"));
    const err = await NodeRegistry.join(await link("node-dup-2"), info("node-dup", "2026-12-06T09:00:00.000Z")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DuplicateNodeIdError);
    expect((err as Error).message).toBe(
      "PRISM_NODE_ID node-dup is already used by a running node (started 2026-12-06T08:00:00.000Z, http://10.0.0.1:8080); give each node its own id",
    );
    expect((await first.list()).find((n) => n.nodeId === "node-dup")?.startedAt).toBe("2026-12-06T08:00:00.000Z");
    await first.leave();
  });

  it("takes over at once the entry a crashed node left behind (nothing answers its ping)", async () => {
    const crashing = await link("node-crash");
    await NodeRegistry.join(crashing, info("node-crash", "2026-12-06T08:00:00.000Z"));
    await crashing.close(); // gone without leaving: its entry stays for the TTL (10 s)
    const restarted = await NodeRegistry.join(await link("node-crash-again"), info("node-crash", "2026-12-06T08:05:00.000Z"));
    expect((await restarted.list()).find((n) => n.nodeId === "node-crash")?.startedAt).toBe("2026-12-06T08:05:00.000Z");
    await restarted.leave();
  });

  it("keeps a live node's entry past its TTL by renewing it", async () => {
    // Its own server: the registry's TTL is one per cluster, and this one is short so that time can pass beyond it.
    const short = await startNats();
    const ttlMs = 1_200;
    const l = await NatsLink.connect({ url: short.url, nodeId: "node-live" });
    try {
      const live = await NodeRegistry.join(l, info("node-live", "2026-12-06T08:00:00.000Z"), { ttlMs, renewEveryMs: 300 });
      await new Promise((r) => setTimeout(r, ttlMs * 3)); // time has to pass: no event marks "still there"
      expect((await live.list()).map((n) => n.nodeId)).toEqual(["node-live"]);
      await live.leave();
      expect(await live.list()).toEqual([]);
    } finally {
      await l.close();
      await short.dispose();
    }
  });
});
