import { afterEach, describe, expect, it } from "vitest";
import { openPostgres, type Postgres } from "../../src/db/pg/client.js";
import { pgStore } from "../../src/db/pg/store.js";
import type { Store } from "../../src/db/store.js";
import { createLogger } from "../../src/log.js";
import { SecretBox } from "../../src/secrets/secret-box.js";
import { DeliveryWorker } from "../../src/webhooks/delivery-worker.js";
import { WebhookSender } from "../../src/webhooks/http-sender.js";
import { openTestPostgres } from "../support/pg.js";
import { startHttpReceiver, type HttpReceiver, type ReceivedRequest } from "./http-receiver.js";

/**
 * Two nodes' delivery workers on one PostgreSQL outbox (issue #21): each has its own pool, as two processes do,
 * and both drain the same rows into a real HTTP receiver. Every (subscription, event) arrives once, and each
 * subscription's events arrive in the order they were published.
 */
const box = new SecretBox("outbox-claim-tests-master-secret-0123456789");
const log = createLogger({ level: "silent" });
const TIMEOUT_MS = 2_000;

describe("webhook outbox claimed by several nodes (PostgreSQL)", () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0).reverse()) await close();
  });

  /** One migrated database and `nodes` pools on it, plus the receiver. */
  async function cluster(nodes: number): Promise<{ stores: Store[]; receiver: HttpReceiver }> {
    const first = await openTestPostgres();
    cleanup.push(first.close);
    const pools: Postgres[] = [first];
    for (let i = 1; i < nodes; i++) {
      const next = await openPostgres(first.database.url);
      cleanup.push(next.close);
      pools.push(next);
    }
    const receiver = await startHttpReceiver();
    cleanup.push(receiver.close);
    return { stores: pools.map((p) => pgStore(p.db, box)), receiver };
  }

  function worker(store: Store, node: string, claimForMs = 2 * TIMEOUT_MS) {
    const w = new DeliveryWorker(
      store.webhookDeliveries,
      store.webhookSubscriptions,
      new WebhookSender({ timeoutMs: TIMEOUT_MS, allowPrivate: true }),
      { worker: node, claimForMs, concurrency: 2, retry: { initialMs: 50, maxMs: 200 }, iftttBaseUrl: "https://maker.ifttt.com" },
      log,
    );
    const delivered: string[] = [];
    const waiters: Array<{ count: number; wake: () => void }> = [];
    w.observer = {
      attempt: (_type, outcome) => {
        if (outcome !== "delivered") return;
        delivered.push(node);
        for (const waiter of waiters.filter((x) => delivered.length >= x.count)) waiter.wake();
      },
    };
    /** Resolves once this worker has recorded `count` deliveries (the receiver's 2xx and the row both). */
    const recorded = (count: number) => new Promise<void>((wake) => (delivered.length >= count ? wake() : waiters.push({ count, wake })));
    cleanup.push(() => w.stop());
    return { w, delivered, recorded };
  }

  async function subscribe(store: Store, receiver: HttpReceiver, path: string): Promise<string> {
    const s = await store.webhookSubscriptions.create({ kind: "standard", url: `${receiver.url}/${path}`, eventTypes: ["stream.started"], filter: null, secret: "whsec-outbox-claim", description: path });
    return s.id;
  }

  /** Publishes events 0..count-1, one transaction each (as bursts of the bus do), event n to subscription n mod their number. */
  async function publish(store: Store, subscriptionIds: string[], count: number): Promise<void> {
    const base = Date.now();
    for (let n = 0; n < count; n++) {
      const to = subscriptionIds[n % subscriptionIds.length]!;
      const event = { id: `evt_${n}`, type: "stream.started", createdAt: new Date(base + n), data: { n } };
      const payload = JSON.stringify({ id: event.id, type: event.type, createdAt: event.createdAt.toISOString(), data: event.data });
      await store.webhookDeliveries.publish([{ event, payload, subscriptionIds: [to], giveUpAt: new Date(base + 3_600_000) }]);
    }
  }

  const eventNumbers = (requests: ReceivedRequest[], path: string) => requests.filter((r) => r.path === `/${path}`).map((r) => (JSON.parse(r.body) as { data: { n: number } }).data.n);

  // Each delivery is a few round trips to PostgreSQL and one HTTP request, in sequence per subscription: on a
  // loaded 2-core machine that is seconds, hence the longer timeout.
  it("delivers 200 events to 4 subscriptions exactly once each, in order per subscription, with two workers on two connections", { timeout: 120_000 }, async () => {
    const { stores, receiver } = await cluster(2);
    const paths = ["a", "b", "c", "d"];
    const subscriptions = await Promise.all(paths.map((p) => subscribe(stores[0]!, receiver, p)));
    await publish(stores[0]!, subscriptions, 200);
    const nodes = [worker(stores[0]!, "node-1"), worker(stores[1]!, "node-2")];
    for (const { w } of nodes) w.start();

    await receiver.waitForRequests(200, 100_000);
    while (nodes[0]!.delivered.length + nodes[1]!.delivered.length < 200) await Promise.race(nodes.map((n) => n.recorded(n.delivered.length + 1)));
    // Both stopped: anything sent twice would have arrived by now.
    for (const { w } of nodes) await w.stop();
    expect(receiver.requests).toHaveLength(200);
    paths.forEach((path, i) => expect(eventNumbers(receiver.requests, path), `subscription ${path}`).toEqual(Array.from({ length: 50 }, (_, k) => 4 * k + i)));
    expect(new Set(receiver.requests.map((r) => r.headers["prism-event-id"])).size).toBe(200);
    expect(await stores[1]!.webhookDeliveries.countPending()).toBe(0);
    // The work was shared: each node sent some of it.
    expect(nodes[0]!.delivered.length).toBeGreaterThan(0);
    expect(nodes[1]!.delivered.length).toBeGreaterThan(0);
    expect(nodes[0]!.delivered.length + nodes[1]!.delivered.length).toBe(200);
  });

  it("takes over a delivery a dead node had claimed once its claim lapses, and keeps the subscription's order", async () => {
    const { stores, receiver } = await cluster(2);
    const subscription = await subscribe(stores[0]!, receiver, "hook");
    await publish(stores[0]!, [subscription], 3);
    // Node 1 claimed the first delivery and died before sending it (its process is gone, its claim stays).
    const claimedAt = Date.now();
    const claimUntil = claimedAt + 1_500;
    const [orphan] = await stores[0]!.webhookDeliveries.claimDue({ worker: "node-1", now: new Date(claimedAt), until: new Date(claimUntil), busy: [], limit: 10 });
    expect(orphan?.eventId).toBe("evt_0");

    const { w, delivered, recorded } = worker(stores[1]!, "node-2");
    w.start();
    await recorded(3);
    const requests = receiver.requests;
    // Nothing of that subscription went out while node 1's claim held, not even its later events.
    expect(requests[0]!.at).toBeGreaterThanOrEqual(claimUntil);
    expect(eventNumbers(requests, "hook")).toEqual([0, 1, 2]);
    expect(requests[0]!.headers["prism-delivery-id"]).toBe(orphan!.id);
    await w.stop();
    expect(receiver.requests).toHaveLength(3);
    expect(delivered).toEqual(["node-2", "node-2", "node-2"]);
    expect(await stores[0]!.webhookDeliveries.get(subscription, orphan!.id)).toMatchObject({ status: "delivered", attempts: 1 });
  });
});
