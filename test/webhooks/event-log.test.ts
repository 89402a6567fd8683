import { afterAll, describe, expect, it } from "vitest";
import { LogPruner } from "../../src/webhooks/pruner.js";
import { createLogger } from "../../src/log.js";
import { openTestStore, testDialect } from "../support/db.js";
import { removeTempDirs } from "../support/tmp.js";

describe(`event log and delivery log pruning (real ${testDialect} database)`, () => {
  afterAll(removeTempDirs);

  it("drops events past the retention age and beyond the count, newest kept; deliveries only once finished and old", async () => {
    const database = await openTestStore();
    try {
      const { events, webhookDeliveries: deliveries, webhookSubscriptions: subscriptions } = database.store;
      const sub = await subscriptions.create({ kind: "standard", url: "https://example.com/hook", eventTypes: ["stream.started"], filter: null, secret: "s".repeat(20), description: null });
      const day = 86_400_000;
      const now = Date.now();
      const record = (n: number, ageMs: number, subscribed: boolean) =>
        deliveries.publish([
          {
            event: { id: `evt_${n}`, type: "stream.started", createdAt: new Date(now - ageMs), data: { n } },
            payload: JSON.stringify({ id: `evt_${n}` }),
            subscriptionIds: subscribed ? [sub.id] : [],
            giveUpAt: new Date(now + day),
          },
        ]);
      await record(1, 40 * day, true); // old, and its delivery is still pending
      for (let n = 2; n <= 8; n++) await record(n, (10 - n) * 60_000, false);

      const pruner = new LogPruner(events, deliveries, { retentionMs: 30 * day, maxEvents: 5 }, createLogger({ level: "silent" }));
      await pruner.prune(new Date(now));
      expect((await events.recent([], 100)).map((e) => e.id)).toEqual(["evt_8", "evt_7", "evt_6", "evt_5", "evt_4"]);
      expect(await events.count()).toBe(5);
      // The old event is gone from the log, but its pending delivery (which carries its payload) is not.
      expect((await deliveries.list(sub.id, { limit: 10 })).map((d) => [d.eventId, d.status])).toEqual([["evt_1", "pending"]]);

      // Once delivered, it is kept for the retention period, then forgotten with its attempts.
      const [pending] = await deliveries.list(sub.id, { limit: 10 });
      await deliveries.recordAttempt(pending!.id, { attempt: 1, startedAt: new Date(now), statusCode: 200, latencyMs: 12, error: null }, { status: "delivered" });
      await pruner.prune(new Date(now + 29 * day));
      expect((await deliveries.attempts([pending!.id])).get(pending!.id)).toHaveLength(1);
      await pruner.prune(new Date(now + 31 * day));
      expect(await deliveries.list(sub.id, { limit: 10 })).toEqual([]);
      expect((await deliveries.attempts([pending!.id])).get(pending!.id)).toEqual([]);
      expect(await events.count()).toBe(0);
    } finally {
      await database.close();
    }
  });
});
