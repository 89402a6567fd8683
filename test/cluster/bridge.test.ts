import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EventBus, type EventName, type EventOrigin, type PrismEvents } from "../../src/bus.js";
import { BusBridge, type BusBridgeOptions } from "../../src/cluster/bridge.js";
import { NatsLink } from "../../src/cluster/nats.js";
import { startNats, type TestNats } from "../support/nats.js";

let nats: TestNats;

beforeAll(async () => {
  nats = await startNats();
});

afterAll(async () => {
  await nats?.dispose();
});

interface Node {
  id: string;
  link: NatsLink;
  bus: EventBus;
  bridge: BusBridge;
  /** Every event this node's bus carried, with its origin, in order. */
  heard: Array<{ event: EventName; payload: unknown; origin: EventOrigin }>;
}

const open: Node[] = [];

afterEach(async () => {
  for (const node of open.splice(0)) {
    node.bridge.stop();
    await node.link.close();
  }
});

const WATCHED: EventName[] = ["config.stream", "config.destinations", "stream.started", "recording.ready"];

async function node(id: string, options: BusBridgeOptions = {}): Promise<Node> {
  const link = await NatsLink.connect({ url: nats.url, nodeId: id, reconnectWaitMs: 100 });
  const bus = new EventBus((event, err) => {
    throw new Error(`${id}: a subscriber of ${event} failed: ${String(err)}`);
  });
  const bridge = new BusBridge(link, id, bus, options);
  await link.nc.flush(); // its subscription has reached the server
  const heard: Node["heard"] = [];
  for (const event of WATCHED) bus.on(event, (payload, origin) => heard.push({ event, payload, origin }));
  const n = { id, link, bus, bridge, heard };
  open.push(n);
  return n;
}

/** Resolves once `node`'s bus has carried an event matching `match` (now, if it already has). */
function heard(node: Node, match: (e: Node["heard"][number]) => boolean): Promise<void> {
  if (node.heard.some(match)) return Promise.resolve();
  return new Promise((resolve) => {
    const events = new Set(WATCHED);
    const stops = [...events].map((event) =>
      node.bus.on(event, (payload, origin) => {
        if (!match({ event, payload, origin })) return;
        for (const stop of stops) stop();
        resolve();
      }),
    );
  });
}

/** Every node emits a marker and waits until every node heard every marker: whatever was sent before has landed. */
async function settle(nodes: Node[], tag: string): Promise<void> {
  for (const n of nodes) n.bus.emit("config.stream", { streamId: `marker-${tag}-${n.id}`, change: "updated" });
  const isMarker = (from: Node) => (e: Node["heard"][number]) => (e.payload as { streamId?: string }).streamId === `marker-${tag}-${from.id}`;
  await Promise.all(nodes.flatMap((listener) => nodes.map((from) => heard(listener, isMarker(from)))));
}

const started: PrismEvents["stream.started"] = { streamId: "s1", sessionId: "sess-1", name: "Main show", at: "2026-12-06T09:00:00.000Z" };

function withoutMarkers(n: Node) {
  return n.heard.filter((e) => !String((e.payload as { streamId?: string }).streamId).startsWith("marker-"));
}

describe("the bus bridge between nodes", () => {
  it("re-emits a node's event once on every other node, marked remote and with the payload unchanged, and never echoes or loops", async () => {
    const [a, b, c] = await Promise.all([node("node-a"), node("node-b"), node("node-c")]);
    a.bus.emit("stream.started", started);
    await Promise.all([heard(b, (e) => e.event === "stream.started"), heard(c, (e) => e.event === "stream.started")]);
    // A re-publication by b or c would have left before their marker: once every marker is in, it would be too.
    await settle([a, b, c], "1");
    expect(withoutMarkers(a)).toEqual([{ event: "stream.started", payload: started, origin: {} }]);
    for (const n of [b, c]) expect(withoutMarkers(n)).toEqual([{ event: "stream.started", payload: started, origin: { remote: { nodeId: "node-a" } } }]);
    expect(a.bridge.counters).toMatchObject({ published: 2, received: 2, rejected: 0 });
    expect(b.bridge.counters).toMatchObject({ published: 1, received: 3, rejected: 0 });
  });

  it("runs localOnly subscribers on the originating node only", async () => {
    const nodes = await Promise.all([node("node-a"), node("node-b"), node("node-c")]);
    const once: string[] = [];
    for (const n of nodes) n.bus.on("stream.started", () => once.push(n.id), { localOnly: true });
    nodes[1]!.bus.emit("stream.started", started);
    await settle(nodes, "2");
    expect(once).toEqual(["node-b"]);
    expect(nodes.map((n) => withoutMarkers(n).length)).toEqual([1, 1, 1]);
  });

  it("keeps events outside the bridged families on their own node", async () => {
    const [a, b] = await Promise.all([node("node-a"), node("node-b")]);
    const ready: PrismEvents["recording.ready"] = { recordingId: "r1", streamId: "s1", sessionId: "sess-1", name: "Main show", startedAt: "2026-12-06T09:00:00.000Z", endedAt: null, durationSec: null, sizeBytes: 0, repaired: false, at: "2026-12-06T09:00:00.000Z" };
    a.bus.emit("recording.ready", ready);
    await settle([a, b], "3");
    expect(withoutMarkers(a).map((e) => e.event)).toEqual(["recording.ready"]);
    expect(withoutMarkers(b)).toEqual([]);
  });

  it("rejects what is not a Prism event from another node, and goes on", async () => {
    const [a, b] = await Promise.all([node("node-a"), node("node-b")]);
    a.link.nc.publish("prism.events.config.stream", "not json");
    a.link.nc.publish("prism.events.nope.unknown", JSON.stringify({ from: "node-x", payload: { streamId: "s1" } }));
    a.link.nc.publish("prism.events.config.stream", JSON.stringify({ from: "node-x" }));
    await settle([a, b], "4");
    expect(withoutMarkers(b)).toEqual([]);
    expect(b.bridge.counters.rejected).toBe(3);
  });

  it("drops and counts a burst beyond its queue while NATS catches up, and delivers the rest in order", async () => {
    const a = await node("node-a", { maxQueued: 50, batch: 10 });
    const b = await node("node-b");
    const total = 1_000;
    for (let i = 0; i < total; i++) a.bus.emit("config.destinations", { streamId: `burst-${i}` });
    const { droppedQueueFull } = a.bridge.counters;
    const delivered = total - droppedQueueFull;
    expect(droppedQueueFull).toBeGreaterThan(0);
    expect(delivered).toBeLessThanOrEqual(50 + 10); // the queue plus the batch already handed to the client
    await heard(b, () => b.heard.length === delivered);
    const indexes = b.heard.map((e) => Number((e.payload as { streamId: string }).streamId.slice("burst-".length)));
    expect(indexes).toEqual([...indexes].sort((x, y) => x - y));
    expect(new Set(indexes).size).toBe(delivered);
    await settle([a, b], "5");
    expect(a.bridge.counters.published).toBe(delivered + 1);
  });
});

describe("NATS slow", () => {
  it("queues at most maxQueued events while the server does not answer, drops and counts the rest, and sends the queue once it does", async () => {
    const a = await node("node-a", { maxQueued: 20, batch: 5 });
    const b = await node("node-b");
    await nats.pause();
    try {
      for (let i = 0; i < 101; i++) {
        a.bus.emit("config.destinations", { streamId: `slow-${i}` });
        await new Promise((resolve) => setImmediate(resolve)); // a burst spread over event-loop turns, not one tick
      }
      // The first event went out alone and the bridge waits for the server's answer; 20 wait in the queue.
      expect(a.bridge.counters).toMatchObject({ published: 1, droppedQueueFull: 80, droppedNatsDown: 0 });
      expect(a.link.isUp()).toBe(true);
    } finally {
      nats.resume();
    }
    await heard(b, () => b.heard.length === 21);
    expect(b.heard.map((e) => (e.payload as { streamId: string }).streamId)).toEqual(Array.from({ length: 21 }, (_, i) => `slow-${i}`));
    expect(a.bridge.counters).toMatchObject({ published: 21, droppedQueueFull: 80 });
  });
});

describe("NATS down and back", () => {
  it("drops and counts events while NATS is down, then carries them again", async () => {
    const [a, b] = await Promise.all([node("node-a"), node("node-b")]);
    await nats.stop();
    await Promise.all([a.link.when(false), b.link.when(false)]);
    a.bus.emit("config.stream", { streamId: "while-down", change: "updated" });
    a.bus.emit("config.stream", { streamId: "while-down-2", change: "updated" });
    expect(a.bridge.counters.droppedNatsDown).toBe(2);
    expect(a.heard).toHaveLength(2); // the local bus is not affected

    await nats.start();
    await Promise.all([a.link.when(true), b.link.when(true)]);
    await Promise.all([a.link.nc.flush(), b.link.nc.flush()]); // resubscribed
    a.bus.emit("config.stream", { streamId: "after", change: "updated" });
    await heard(b, (e) => (e.payload as { streamId: string }).streamId === "after");
    expect(b.heard.map((e) => (e.payload as { streamId: string }).streamId)).toEqual(["after"]);
    expect(a.bridge.counters.droppedNatsDown).toBe(2);
  });
});
