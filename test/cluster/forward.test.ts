import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeRequests, RemoteCommandError, StreamFeed } from "../../src/cluster/forward.js";
import { ClusterUnavailableError, NatsLink } from "../../src/cluster/nats.js";
import { nodeSubject, streamSubject } from "../../src/cluster/subjects.js";
import { startNats, type TestNats } from "../support/nats.js";

let nats: TestNats;
let linkA: NatsLink;
let linkB: NatsLink;
let nodeA: NodeRequests;
let nodeB: NodeRequests;

beforeAll(async () => {
  nats = await startNats();
  linkA = await NatsLink.connect({ url: nats.url, nodeId: "node-a" });
  linkB = await NatsLink.connect({ url: nats.url, nodeId: "node-b" });
  nodeA = new NodeRequests(linkA, "node-a");
  nodeB = new NodeRequests(linkB, "node-b");
});

afterAll(async () => {
  await linkA?.close();
  await linkB?.close();
  await nats?.dispose();
});

/** Resolves with the first `count` values a subscription delivers. */
function collect<T>(subscribe: (push: (value: T) => void) => () => void, count: number): Promise<T[]> {
  const values: T[] = [];
  return new Promise((resolve) => {
    const stop = subscribe((value) => {
      values.push(value);
      if (values.length < count) return;
      stop();
      resolve(values);
    });
  });
}

describe("commands to the owner node over NATS request/reply", () => {
  it("sends a JSON command to a node and returns its answer", async () => {
    const stop = nodeA.serve("command", (body) => ({ echoed: body, by: "node-a" }));
    await linkA.nc.flush(); // the subscription has reached the server
    expect(await nodeB.ask("node-a", "command", { op: "hide", commentId: "c1" })).toEqual({ echoed: { op: "hide", commentId: "c1" }, by: "node-a" });
    stop();
  });

  it("passes the owner's refusal back with its message and status", async () => {
    const stop = nodeA.serve("command", () => {
      throw Object.assign(new Error("Comment c9 does not exist"), { status: 404 });
    });
    await linkA.nc.flush();
    const err = await nodeB.ask("node-a", "command", {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteCommandError);
    expect(err).toMatchObject({ message: "Comment c9 does not exist", status: 404, nodeId: "node-a" });
    stop();
  });

  it("answers a request body that is not JSON with a 400", async () => {
    const stop = nodeA.serve("command", () => "unreachable");
    await linkA.nc.flush();
    const msg = await linkB.nc.request(nodeSubject("node-a", "command"), "{not json", { timeout: 5_000 });
    expect(msg.json()).toEqual({ ok: false, error: "The request body is not JSON", status: 400 });
    stop();
  });

  it("says clearly that a node nobody serves is not answering, without waiting for the timeout", async () => {
    const err = await nodeB.ask("node-gone", "command", {}, { timeoutMs: 30_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterUnavailableError);
    expect((err as Error).message).toBe("Node node-gone is not answering (it is not connected to NATS: stopped, crashed or restarting); try again shortly");
  });

  it("says clearly that a node did not answer in time", async () => {
    let release!: () => void;
    const stop = nodeA.serve("command", () => new Promise<void>((resolve) => (release = resolve)));
    await linkA.nc.flush();
    const err = await nodeB.ask("node-a", "command", {}, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterUnavailableError);
    expect((err as Error).message).toBe("Node node-a did not answer within 300 ms; try again shortly");
    release();
    stop();
  });

  it("refuses a body larger than NATS carries, before sending it", async () => {
    const max = linkB.nc.info!.max_payload;
    await expect(nodeB.ask("node-a", "command", { blob: "x".repeat(max) })).rejects.toThrow(
      `The request to node node-a is too large to send between nodes (${max + '{"blob":""}'.length} bytes; NATS carries at most ${max})`,
    );
  });

  it("refuses an id that would widen or redirect the subject", async () => {
    for (const id of ["a.b", "*", ">", "a b", ""]) {
      await expect(nodeB.ask(id, "command", {})).rejects.toThrow(/cannot name a NATS subject/);
    }
  });
});

describe("health snapshots and chat fanned out to every node", () => {
  it("delivers one stream's messages to its subscribers, and every stream's to a wildcard subscriber", async () => {
    const healthA = new StreamFeed<{ bitrateKbps: number }>(linkA, "health");
    const healthB = new StreamFeed<{ bitrateKbps: number }>(linkB, "health");
    const one = collect<{ bitrateKbps: number }>((push) => healthB.subscribe("s1", push), 2);
    const all = collect<[string, { bitrateKbps: number }]>((push) => healthB.subscribeAll((id, v) => push([id, v])), 3);
    await linkB.nc.flush();
    expect(healthA.publish("s1", { bitrateKbps: 6000 })).toBe(true);
    expect(healthA.publish("s2", { bitrateKbps: 2500 })).toBe(true);
    expect(healthA.publish("s1", { bitrateKbps: 5900 })).toBe(true);
    expect(await one).toEqual([{ bitrateKbps: 6000 }, { bitrateKbps: 5900 }]);
    expect(await all).toEqual([
      ["s1", { bitrateKbps: 6000 }],
      ["s2", { bitrateKbps: 2500 }],
      ["s1", { bitrateKbps: 5900 }],
    ]);
  });

  it("keeps chat and health apart, and drops a message that is not JSON with a report", async () => {
    const bad: string[] = [];
    const chatB = new StreamFeed<{ text: string }>(linkB, "chat", (subject, err) => bad.push(`${subject}: ${err.message}`));
    const chat = collect<{ text: string }>((push) => chatB.subscribe("s1", push), 1);
    await linkB.nc.flush();
    linkA.nc.publish(streamSubject("s1", "chat"), "not json");
    new StreamFeed(linkA, "health").publish("s1", { text: "a health snapshot, not chat" });
    new StreamFeed(linkA, "chat").publish("s1", { text: "hello" });
    expect(await chat).toEqual([{ text: "hello" }]);
    expect(bad).toEqual(["prism.stream.s1.chat: A chat message that is not JSON (8 bytes) was dropped"]);
  });
});
