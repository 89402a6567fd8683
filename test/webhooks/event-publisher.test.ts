import { afterAll, describe, expect, it } from "vitest";
import { EventPublisher } from "../../src/webhooks/event-publisher.js";
import type { EventData } from "../../src/webhooks/catalog.js";
import { createLogger } from "../../src/log.js";
import { openTestStore } from "../support/db.js";
import { removeTempDirs } from "../support/tmp.js";

describe("event publisher (the store answers with promises)", () => {
  afterAll(removeTempDirs);

  it("records events in the order they were announced, even when one's data is still being looked up; a failed look-up loses only that event", async () => {
    const database = await openTestStore();
    try {
      const { events, webhookDeliveries: deliveries, webhookSubscriptions: subscriptions } = database.store;
      const sub = await subscriptions.create({ kind: "standard", url: "https://example.com/hook", eventTypes: ["destination.live", "stream.started"], filter: null, secret: "s".repeat(20), description: null });
      let woken = 0;
      const publisher = new EventPublisher(deliveries, subscriptions, { retryForMs: 60_000 }, () => woken++, createLogger({ level: "silent" }));

      let answer!: (data: EventData["destination.live"]) => void;
      const slow = new Promise<EventData["destination.live"]>((resolve) => (answer = resolve));
      publisher.publish("destination.live", slow);
      publisher.publish("stream.started", { streamId: "s1", streamName: "Friday", startedAt: new Date().toISOString() });
      publisher.publish("stream.ended", Promise.reject(new Error("store down")));
      // A turn of the event loop before the flush (as on the bus): the failed look-up must not be an unhandled rejection.
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on("unhandledRejection", onUnhandled);
      await new Promise((r) => setImmediate(r));
      process.off("unhandledRejection", onUnhandled);
      expect(unhandled).toEqual([]);
      const flushed = publisher.flush();
      answer({ streamId: "s1", streamName: "Friday", destinationId: "d1", destinationName: "YouTube", platform: "youtube" });
      await flushed;

      expect((await events.recent([], 10)).map((e) => e.type)).toEqual(["stream.started", "destination.live"]); // newest first
      expect((await events.recent(["destination.live"], 1))[0]!.data).toMatchObject({ destinationId: "d1", streamName: "Friday" });
      expect((await deliveries.list(sub.id, { limit: 10 })).map((d) => d.eventType)).toEqual(["stream.started", "destination.live"]);
      expect(woken).toBe(1);
    } finally {
      await database.close();
    }
  });
});
