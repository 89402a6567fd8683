import { describe, expect, it } from "vitest";
import { EventBus, type EventOrigin } from "../../src/bus.js";

const change = { streamId: "s1", change: "updated" } as const;

describe("the event bus", () => {
  it("hands every subscriber the payload as emitted, and where it came from beside it", () => {
    const bus = new EventBus();
    const heard: Array<[unknown, EventOrigin]> = [];
    bus.on("config.stream", (payload, origin) => heard.push([payload, origin]));
    bus.emit("config.stream", change);
    bus.emitRemote("config.stream", change, "node-b");
    expect(heard).toEqual([
      [change, {}],
      [change, { remote: { nodeId: "node-b" } }],
    ]);
    expect(heard[0]![0]).toBe(change);
  });

  it("keeps localOnly subscribers to what this node emitted", () => {
    const bus = new EventBus();
    const local: string[] = [];
    const all: string[] = [];
    bus.on("config.stream", (p) => local.push(p.streamId), { localOnly: true });
    bus.on("config.stream", (p) => all.push(p.streamId));
    bus.emitRemote("config.stream", { streamId: "remote", change: "updated" }, "node-b");
    bus.emit("config.stream", { streamId: "here", change: "updated" });
    expect(local).toEqual(["here"]);
    expect(all).toEqual(["remote", "here"]);
  });

  it("reports a failing subscriber and goes on, and stops a subscriber on demand", () => {
    const failures: string[] = [];
    const bus = new EventBus((event, err) => failures.push(`${event}: ${(err as Error).message}`));
    const heard: string[] = [];
    bus.on("config.stream", () => {
      throw new Error("broken");
    });
    const off = bus.on("config.stream", (p) => heard.push(p.streamId));
    bus.emitRemote("config.stream", change, "node-b");
    off();
    bus.emit("config.stream", change);
    expect(failures).toEqual(["config.stream: broken", "config.stream: broken"]);
    expect(heard).toEqual(["s1"]);
  });
});
