import { describe, expect, it } from "vitest";
import { EventBus } from "../../src/bus.js";
import { GoLives } from "../../src/oauth/go-lives.js";

const started = (bus: EventBus, streamId: string, continued?: true) =>
  bus.emit("stream.started", { streamId, sessionId: `session-${streamId}`, name: streamId, at: new Date().toISOString(), ...(continued && { continued }) });

describe("once-per-go-live steps", () => {
  it("run once per go-live, and not again on a node that took a live stream over from one that died", () => {
    const bus = new EventBus();
    const goLives = new GoLives(bus);
    goLives.start();

    started(bus, "fresh");
    const fresh = goLives.destination("fresh", "dest-1", undefined);
    expect(fresh.doneThisGoLive()).toBe(false);
    fresh.markDoneThisGoLive();
    expect(fresh.doneThisGoLive()).toBe(true);

    // The dead owner already announced this broadcast: an X post must not go out twice.
    started(bus, "taken-over", true);
    const continued = goLives.destination("taken-over", "dest-1", undefined);
    expect(continued.doneThisGoLive()).toBe(true);
    continued.markDoneThisGoLive();
    expect(goLives.liveStreams().sort()).toEqual(["fresh", "taken-over"]);

    bus.emit("stream.ended", { streamId: "taken-over", sessionId: "session-taken-over", name: "taken-over", at: new Date().toISOString(), reason: "publisher stopped" });
    started(bus, "taken-over");
    expect(goLives.destination("taken-over", "dest-1", undefined).doneThisGoLive()).toBe(false);
    goLives.stop();
  });
});
