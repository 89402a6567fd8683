import { expect, it, vi } from "vitest";
import { describeDialects, fakeDate, T0, type DialectHarness } from "../support/dialects.js";

const sub = (description: string) => ({ kind: "standard" as const, url: `https://hooks.example.com/${description}`, eventTypes: ["stream.started"], filter: null, secret: "whsec-secret-value", description });
const event = (n: number) => ({ id: `evt_${n}`, type: "stream.started", createdAt: new Date(T0 - 1000), data: { n } });
const GIVE_UP = new Date(T0 + 86_400_000);

async function twoSubscriptions(h: DialectHarness) {
  const a = await h.store.webhookSubscriptions.create(sub("a"));
  const b = await h.store.webhookSubscriptions.create(sub("b"));
  return { a: a.id, b: b.id };
}

describeDialects("webhook deliveries store (the outbox)", (open) => {
  fakeDate();

  it("publishes events and one pending delivery per existing subscription in one go, due at once", async () => {
    const h = await open();
    const { a, b } = await twoSubscriptions(h);
    await h.store.webhookDeliveries.publish([
      { event: event(1), payload: '{"n":1}', subscriptionIds: [a, b, "deleted-subscription"], giveUpAt: GIVE_UP },
      { event: event(2), payload: '{"n":2}', subscriptionIds: [], giveUpAt: GIVE_UP },
    ]);
    expect((await h.store.events.recent([], 10)).map((e) => e.id)).toEqual(["evt_2", "evt_1"]);
    expect(await h.store.webhookDeliveries.countPending()).toBe(2);
    const [delivery] = await h.store.webhookDeliveries.list(a, { limit: 10 });
    expect(delivery).toEqual({
      id: delivery!.id,
      subscriptionId: a,
      eventId: "evt_1",
      eventType: "stream.started",
      payload: '{"n":1}',
      status: "pending",
      test: false,
      attempts: 0,
      nextAttemptAt: new Date(T0),
      giveUpAt: GIVE_UP,
      lastStatusCode: null,
      lastError: null,
      deliveredAt: null,
      createdAt: new Date(T0 - 1000),
    });
    expect(await h.store.webhookDeliveries.get(a, delivery!.id)).toEqual(delivery);
    expect(await h.store.webhookDeliveries.get(b, delivery!.id)).toBeUndefined();
    expect(await h.store.webhookDeliveries.nextDueAt(new Date(T0), [])).toEqual(new Date(T0));
  });

  it("hands a worker the oldest due delivery of each subscription, skipping busy ones, up to the limit", async () => {
    const h = await open();
    const { a, b } = await twoSubscriptions(h);
    for (let n = 1; n <= 3; n++) {
      vi.setSystemTime(T0 + n);
      await h.store.webhookDeliveries.publish([{ event: event(n), payload: "{}", subscriptionIds: n === 3 ? [b] : [a], giveUpAt: GIVE_UP }]);
    }
    const now = new Date(T0 + 10);
    const claim = (worker: string, busy: string[], limit: number, at = now) => h.store.webhookDeliveries.claimDue({ worker, now: at, until: new Date(at.getTime() + 1000), busy, limit });
    expect(await claim("w1", [], 10, new Date(T0))).toEqual([]);
    expect((await claim("w1", [a], 10)).map((d) => d.eventId)).toEqual(["evt_3"]);
    expect(await h.store.webhookDeliveries.releaseClaims("w1")).toBe(1);
    expect((await claim("w1", [], 1)).map((d) => d.eventId)).toEqual(["evt_1"]);
    expect(await h.store.webhookDeliveries.releaseClaims("w1")).toBe(1);
    expect((await claim("w1", [], 10)).map((d) => [d.subscriptionId, d.eventId])).toEqual([
      [a, "evt_1"],
      [b, "evt_3"],
    ]);
    expect(await h.store.webhookDeliveries.nextDueAt(now, [a])).toEqual(new Date(T0 + 10 + 1000));
    expect(await h.store.webhookDeliveries.nextDueAt(now, [a, b])).toBeNull();
  });

  it("keeps one delivery per subscription in flight over all workers; recording the attempt frees the next; a lapsed claim is taken over", async () => {
    const h = await open();
    const { a, b } = await twoSubscriptions(h);
    for (let n = 1; n <= 3; n++) {
      vi.setSystemTime(T0 + n);
      await h.store.webhookDeliveries.publish([{ event: event(n), payload: "{}", subscriptionIds: n === 3 ? [a, b] : [a], giveUpAt: GIVE_UP }]);
    }
    const claim = (worker: string, at: number) => h.store.webhookDeliveries.claimDue({ worker, now: new Date(at), until: new Date(at + 1000), busy: [], limit: 10 });
    const first = await claim("node-1", T0 + 10);
    expect(first.map((d) => [d.subscriptionId, d.eventId])).toEqual([
      [a, "evt_1"],
      [b, "evt_3"],
    ]);
    // Another node sees both subscriptions in flight: nothing for it, and it looks again when node-1's claims lapse.
    expect(await claim("node-2", T0 + 20)).toEqual([]);
    expect(await h.store.webhookDeliveries.nextDueAt(new Date(T0 + 20), [])).toEqual(new Date(T0 + 1010));
    vi.setSystemTime(T0 + 30);
    await h.store.webhookDeliveries.recordAttempt(first[0]!.id, { attempt: 1, startedAt: new Date(T0 + 10), statusCode: 200, latencyMs: 5, error: null }, { status: "delivered" });
    expect(await h.store.webhookDeliveries.nextDueAt(new Date(T0 + 30), [])).toEqual(new Date(T0 + 2));
    expect((await claim("node-2", T0 + 30)).map((d) => d.eventId)).toEqual(["evt_2"]);
    // node-1 died holding evt_3 for b: once its claim lapses node-2 sends it again.
    expect(await claim("node-2", T0 + 1009)).toEqual([]);
    const takenOver = await claim("node-2", T0 + 1010);
    expect(takenOver.map((d) => [d.subscriptionId, d.eventId])).toEqual([[b, "evt_3"]]);
    expect(takenOver[0]!.id).toBe(first[1]!.id);
    // A worker that starts again under the same name gives its old claims back: due again at once.
    expect(await h.store.webhookDeliveries.releaseClaims("node-1")).toBe(0);
    expect(await h.store.webhookDeliveries.releaseClaims("node-2")).toBe(2);
    expect((await claim("node-1", T0 + 1011)).map((d) => d.eventId)).toEqual(["evt_2", "evt_3"]);
  });

  it("records attempts: retry later, then delivered; the log keeps every attempt in order; a gone delivery answers false", async () => {
    const h = await open();
    const { a } = await twoSubscriptions(h);
    await h.store.webhookDeliveries.publish([{ event: event(1), payload: "{}", subscriptionIds: [a], giveUpAt: GIVE_UP }]);
    const [d] = await h.store.webhookDeliveries.claimDue({ worker: "w", now: new Date(T0), until: new Date(T0 + 1000), busy: [], limit: 10 });
    const first = { attempt: 1, startedAt: new Date(T0), statusCode: 503, latencyMs: 40, error: "HTTP 503" };
    expect(await h.store.webhookDeliveries.recordAttempt(d!.id, first, { status: "pending", nextAttemptAt: new Date(T0 + 5000) })).toBe(true);
    expect(await h.store.webhookDeliveries.get(a, d!.id)).toMatchObject({ status: "pending", attempts: 1, nextAttemptAt: new Date(T0 + 5000), lastStatusCode: 503, lastError: "HTTP 503" });
    expect(await h.store.webhookDeliveries.claimDue({ worker: "w", now: new Date(T0 + 4999), until: new Date(T0 + 9999), busy: [], limit: 10 })).toEqual([]);
    vi.setSystemTime(T0 + 5000);
    const second = { attempt: 2, startedAt: new Date(T0 + 5000), statusCode: 200, latencyMs: 12, error: null };
    expect(await h.store.webhookDeliveries.recordAttempt(d!.id, second, { status: "delivered" })).toBe(true);
    expect(await h.store.webhookDeliveries.get(a, d!.id)).toMatchObject({ status: "delivered", attempts: 2, nextAttemptAt: null, deliveredAt: new Date(T0 + 5000) });
    expect(await h.store.webhookDeliveries.countPending()).toBe(0);
    const log = await h.store.webhookDeliveries.attempts([d!.id, "other"]);
    expect(log.get(d!.id)).toEqual([first, second]);
    expect(log.get("other")).toEqual([]);
    expect(await h.store.webhookDeliveries.recordAttempt("gone", second, { status: "dead" })).toBe(false);
    expect(await h.store.webhookDeliveries.attempts([])).toEqual(new Map());
  });

  it("lists newest first with a status filter, redelivers, prunes finished ones, and keeps test-fires out of the worker's way", async () => {
    const h = await open();
    const { a } = await twoSubscriptions(h);
    for (let n = 1; n <= 3; n++) await h.store.webhookDeliveries.publish([{ event: { ...event(n), createdAt: new Date(T0 + n) }, payload: "{}", subscriptionIds: [a], giveUpAt: GIVE_UP }]);
    const listed = await h.store.webhookDeliveries.list(a, { limit: 10 });
    expect(listed.map((d) => d.eventId)).toEqual(["evt_3", "evt_2", "evt_1"]);
    await h.store.webhookDeliveries.recordAttempt(listed[2]!.id, { attempt: 1, startedAt: new Date(T0), statusCode: null, latencyMs: 1, error: "refused" }, { status: "dead" });
    expect((await h.store.webhookDeliveries.list(a, { limit: 10, status: "dead" })).map((d) => d.eventId)).toEqual(["evt_1"]);
    expect((await h.store.webhookDeliveries.list(a, { limit: 1 })).map((d) => d.eventId)).toEqual(["evt_3"]);
    vi.setSystemTime(T0 + 100);
    const again = await h.store.webhookDeliveries.redeliver(a, listed[2]!.id, new Date(T0 + 999_999));
    expect(again).toMatchObject({ status: "pending", nextAttemptAt: new Date(T0 + 100), giveUpAt: new Date(T0 + 999_999), deliveredAt: null });
    expect(await h.store.webhookDeliveries.redeliver("other", listed[2]!.id, GIVE_UP)).toBeUndefined();
    await h.store.webhookDeliveries.recordAttempt(listed[0]!.id, { attempt: 1, startedAt: new Date(T0), statusCode: 200, latencyMs: 1, error: null }, { status: "delivered" });
    expect(await h.store.webhookDeliveries.prune(new Date(T0 + 100))).toBe(0);
    expect(await h.store.webhookDeliveries.prune(new Date(T0 + 101))).toBe(1);
    const test = await h.store.webhookDeliveries.createTest(a, "evt_test", "test.ping", '{"test":true}');
    expect(test).toMatchObject({ test: true, status: "pending", nextAttemptAt: null });
    expect((await h.store.webhookDeliveries.claimDue({ worker: "w", now: new Date(T0 + 10_000), until: new Date(T0 + 20_000), busy: [], limit: 10 })).map((d) => d.id)).not.toContain(test.id);
  });

  it("keeps the order of events announced in the same millisecond: listed newest first, handed to the worker oldest first", async () => {
    const h = await open();
    const { a } = await twoSubscriptions(h);
    // Date is frozen: every event and every row below carries the same millisecond, in one batch and across batches.
    const announced = Array.from({ length: 12 }, (_, i) => event(i));
    await h.store.webhookDeliveries.publish(announced.slice(0, 8).map((e) => ({ event: e, payload: "{}", subscriptionIds: [a], giveUpAt: GIVE_UP })));
    for (const e of announced.slice(8)) await h.store.webhookDeliveries.publish([{ event: e, payload: "{}", subscriptionIds: [a], giveUpAt: GIVE_UP }]);
    const ids = announced.map((e) => e.id);
    expect((await h.store.webhookDeliveries.list(a, { limit: 20 })).map((d) => d.eventId)).toEqual([...ids].reverse());
    const sent: string[] = [];
    for (;;) {
      const [next] = await h.store.webhookDeliveries.claimDue({ worker: "w", now: new Date(T0), until: new Date(T0 + 1000), busy: [], limit: 10 });
      if (!next) break;
      sent.push(next.eventId);
      await h.store.webhookDeliveries.recordAttempt(next.id, { attempt: 1, startedAt: new Date(T0), statusCode: 200, latencyMs: 1, error: null }, { status: "delivered" });
    }
    expect(sent).toEqual(ids);
  });

  it("loses nothing when many publish at once, and a subscription's deletion takes its deliveries and their log", async () => {
    const h = await open();
    const { a, b } = await twoSubscriptions(h);
    await Promise.all(Array.from({ length: 20 }, (_, i) => h.store.webhookDeliveries.publish([{ event: event(i), payload: "{}", subscriptionIds: [a, b], giveUpAt: GIVE_UP }])));
    expect(await h.store.events.count()).toBe(20);
    expect(await h.store.webhookDeliveries.countPending()).toBe(40);
    const [d] = await h.store.webhookDeliveries.list(a, { limit: 1 });
    await h.store.webhookDeliveries.recordAttempt(d!.id, { attempt: 1, startedAt: new Date(T0), statusCode: 500, latencyMs: 1, error: "x" }, { status: "pending", nextAttemptAt: new Date(T0 + 1) });
    await h.store.webhookSubscriptions.delete(a);
    expect(await h.store.webhookDeliveries.countPending()).toBe(20);
    expect((await h.store.webhookDeliveries.attempts([d!.id])).get(d!.id)).toEqual([]);
  });
});
