import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { PrismEvents } from "../../src/bus.js";
import type { OutputState } from "../../src/relay/output.js";
import { DestinationEventDeriver } from "../../src/webhooks/destination-events.js";
import type { EventData, EventType } from "../../src/webhooks/catalog.js";

const FAILED_AFTER_MS = 30_000;

describe("destination events: what a streamer hears about a destination, once each", () => {
  let published: Array<{ type: EventType; data: any }>;
  let deriver: DestinationEventDeriver;
  let previous: OutputState;

  beforeEach(() => {
    vi.useFakeTimers({ now: new Date("2025-06-06T19:00:00Z") });
    published = [];
    previous = "idle";
    deriver = new DestinationEventDeriver(
      { failedAfterMs: FAILED_AFTER_MS },
      { streamName: async () => "Friday speedrun", platform: async () => "youtube" },
      // The data is looked up in the store; its place in the list is kept meanwhile (see settled).
      <T extends EventType>(type: T, data: EventData[T] | Promise<EventData[T]>) => {
        const entry: { type: EventType; data: any } = { type, data: undefined };
        published.push(entry);
        void Promise.resolve(data).then((d) => (entry.data = d));
      },
    );
  });
  afterEach(() => {
    deriver.stop();
    vi.useRealTimers();
  });

  const to = (state: OutputState, lastError: string | null = null, destinationId = "d1") => {
    const change: PrismEvents["destination.state"] = { streamId: "s1", destinationId, name: "YouTube", state, previous, lastError, lastErrorAt: null, reconnects: 0, attempt: 0, at: new Date().toISOString() };
    previous = state;
    deriver.onState(change);
  };
  const types = () => published.map((p) => p.type);
  /** Lets the store's lookups answer (they are promises, resolved without timers). */
  const settled = async () => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };

  it("announces live once when the destination starts, with the stream and platform", async () => {
    to("connecting");
    to("live");
    await settled();
    expect(published).toEqual([
      { type: "destination.live", data: { streamId: "s1", streamName: "Friday speedrun", destinationId: "d1", destinationName: "YouTube", platform: "youtube" } },
    ]);
  });

  it("stays quiet about a reconnect shorter than the failure threshold", () => {
    to("connecting");
    to("live");
    to("reconnecting", "Connection reset by the server.");
    vi.advanceTimersByTime(FAILED_AFTER_MS - 1_000);
    to("live");
    vi.advanceTimersByTime(FAILED_AFTER_MS * 2);
    expect(types()).toEqual(["destination.live"]);
  });

  it("announces failed after reconnecting for longer than the threshold, then recovered with the downtime", async () => {
    to("connecting");
    to("live");
    to("reconnecting", "Connection refused by rtmp://x:1935");
    vi.advanceTimersByTime(FAILED_AFTER_MS - 1);
    expect(types()).toEqual(["destination.live"]);
    vi.advanceTimersByTime(1);
    await settled();
    expect(published[1]).toMatchObject({
      type: "destination.failed",
      data: { state: "reconnecting", reason: "Connection refused by rtmp://x:1935", since: "2025-06-06T19:00:00.000Z", destinationName: "YouTube" },
    });
    // Further retries within the same outage add nothing.
    to("reconnecting", "still refused");
    vi.advanceTimersByTime(FAILED_AFTER_MS * 3);
    vi.advanceTimersByTime(12_000);
    to("live");
    expect(types()).toEqual(["destination.live", "destination.failed", "destination.recovered"]);
    await settled();
    expect(published[2]!.data.downtimeSec).toBe(Math.round((FAILED_AFTER_MS + FAILED_AFTER_MS * 3 + 12_000) / 1000));
  });

  it("announces a refusal at once, once, even when it follows a reconnecting outage already announced", async () => {
    to("connecting");
    to("failed", "The server refused the stream key.");
    await settled();
    expect(published).toEqual([expect.objectContaining({ type: "destination.failed", data: expect.objectContaining({ state: "failed", reason: "The server refused the stream key." }) })]);

    to("stopped"); // disabled by the streamer: a decision, so everything starts over
    to("idle");
    to("connecting");
    to("reconnecting", "refused");
    vi.advanceTimersByTime(FAILED_AFTER_MS);
    to("failed", "The server refused the stream key.");
    expect(types()).toEqual(["destination.failed", "destination.failed"]);
  });

  it("never sends recovered without a failed before it, and treats each destination on its own", async () => {
    to("connecting", null, "d1");
    to("connecting", null, "d2");
    to("live", null, "d1");
    to("reconnecting", "dropped", "d2");
    vi.advanceTimersByTime(FAILED_AFTER_MS);
    to("live", null, "d2");
    await settled();
    expect(published.map((p) => `${p.type}:${p.data.destinationId}`)).toEqual(["destination.live:d1", "destination.failed:d2", "destination.recovered:d2"]);
  });

  it("announces live again after the destination was stopped and started, and forgets a pending failure on stop", () => {
    to("connecting");
    to("live");
    to("reconnecting", "dropped");
    to("stopped");
    vi.advanceTimersByTime(FAILED_AFTER_MS * 2);
    expect(types()).toEqual(["destination.live"]);
    to("idle");
    to("connecting");
    to("live");
    expect(types()).toEqual(["destination.live", "destination.live"]);
  });
});
