import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/client.js";
import { EventsRepo } from "../../src/db/events-repo.js";
import { WebhookDeliveriesRepo } from "../../src/db/webhook-deliveries-repo.js";
import { WebhookSubscriptionsRepo } from "../../src/db/webhook-subscriptions-repo.js";
import { wrapSync } from "../../src/db/store.js";
import { SecretBox } from "../../src/secrets/secret-box.js";
import { EventPublisher } from "../../src/webhooks/event-publisher.js";
import type { EventData } from "../../src/webhooks/catalog.js";
import { createLogger } from "../../src/log.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";

describe("event publisher (the store answers with promises)", () => {
  afterAll(removeTempDirs);

  it("records events in the order they were announced, even when one's data is still being looked up; a failed look-up loses only that event", async () => {
    const database = openDatabase(join(await makeTempDir("prism-publisher-"), "prism.sqlite"));
    try {
      const events = new EventsRepo(database.db);
      const subscriptions = new WebhookSubscriptionsRepo(database.db, new SecretBox("test-master-secret-0123456789"));
      const sub = subscriptions.create({ kind: "standard", url: "https://example.com/hook", eventTypes: ["destination.live", "stream.started"], filter: null, secret: "s".repeat(20), description: null });
      let woken = 0;
      const publisher = new EventPublisher(wrapSync(new WebhookDeliveriesRepo(database.db)), wrapSync(subscriptions), { retryForMs: 60_000 }, () => woken++, createLogger({ level: "silent" }));

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

      expect(events.recent([], 10).map((e) => e.type)).toEqual(["stream.started", "destination.live"]); // newest first
      expect(events.recent(["destination.live"], 1)[0]!.data).toMatchObject({ destinationId: "d1", streamName: "Friday" });
      expect(new WebhookDeliveriesRepo(database.db).list(sub.id, { limit: 10 }).map((d) => d.eventType)).toEqual(["stream.started", "destination.live"]);
      expect(woken).toBe(1);
    } finally {
      database.close();
    }
  });
});
