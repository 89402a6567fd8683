import { afterAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { openDatabase } from "../../src/db/client.js";
import { EventsRepo } from "../../src/db/events-repo.js";
import { WebhookDeliveriesRepo } from "../../src/db/webhook-deliveries-repo.js";
import { WebhookSubscriptionsRepo } from "../../src/db/webhook-subscriptions-repo.js";
import { SecretBox } from "../../src/secrets/secret-box.js";
import { wrapSync } from "../../src/db/store.js";
import { LogPruner } from "../../src/webhooks/pruner.js";
import { createLogger } from "../../src/log.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";

describe("event log and delivery log pruning (real SQLite file)", () => {
  afterAll(removeTempDirs);

  it("drops events past the retention age and beyond the count, newest kept; deliveries only once finished and old", async () => {
    const database = openDatabase(join(await makeTempDir("prism-event-log-"), "prism.sqlite"));
    try {
      const events = new EventsRepo(database.db);
      const deliveries = new WebhookDeliveriesRepo(database.db);
      const subscriptions = new WebhookSubscriptionsRepo(database.db, new SecretBox("test-master-secret-0123456789"));
      const sub = subscriptions.create({ kind: "standard", url: "https://example.com/hook", eventTypes: ["stream.started"], filter: null, secret: "s".repeat(20), description: null });
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
      record(1, 40 * day, true); // old, and its delivery is still pending
      for (let n = 2; n <= 8; n++) record(n, (10 - n) * 60_000, false);

      const pruner = new LogPruner(wrapSync(events), wrapSync(deliveries), { retentionMs: 30 * day, maxEvents: 5 }, createLogger({ level: "silent" }));
      await pruner.prune(new Date(now));
      expect(events.recent([], 100).map((e) => e.id)).toEqual(["evt_8", "evt_7", "evt_6", "evt_5", "evt_4"]);
      expect(events.count()).toBe(5);
      // The old event is gone from the log, but its pending delivery (which carries its payload) is not.
      expect(deliveries.list(sub.id, { limit: 10 }).map((d) => [d.eventId, d.status])).toEqual([["evt_1", "pending"]]);

      // Once delivered, it is kept for the retention period, then forgotten with its attempts.
      const [pending] = deliveries.list(sub.id, { limit: 10 });
      deliveries.recordAttempt(pending!.id, { attempt: 1, startedAt: new Date(now), statusCode: 200, latencyMs: 12, error: null }, { status: "delivered" });
      await pruner.prune(new Date(now + 29 * day));
      expect(deliveries.attempts([pending!.id]).get(pending!.id)).toHaveLength(1);
      await pruner.prune(new Date(now + 31 * day));
      expect(deliveries.list(sub.id, { limit: 10 })).toEqual([]);
      expect(deliveries.attempts([pending!.id]).get(pending!.id)).toEqual([]);
      expect(events.count()).toBe(0);
    } finally {
      database.close();
    }
  });
});
