import { expect, it } from "vitest";
import { describeDialects, T0, type DialectHarness } from "../support/dialects.js";

/** Events as the deliveries store's publish writes them (that store is not on PostgreSQL yet): plain SQL valid in both. */
async function record(h: DialectHarness, n: number, type: string, ageMs = 0): Promise<void> {
  const data = JSON.stringify({ n, nested: { type } });
  await h.query(`INSERT INTO events (id, type, created_at, data) VALUES ('evt_${n}', '${type}', ${T0 - ageMs}, '${data}')`);
}

describeDialects("event log store", (open) => {
  it("answers the newest events first, of some types or all, and one by id", async () => {
    const h = await open();
    await record(h, 1, "stream.started");
    await record(h, 2, "comment.received");
    await record(h, 3, "stream.ended");
    await record(h, 4, "comment.received");
    expect((await h.store.events.recent([], 10)).map((e) => e.id)).toEqual(["evt_4", "evt_3", "evt_2", "evt_1"]);
    expect((await h.store.events.recent([], 2)).map((e) => e.id)).toEqual(["evt_4", "evt_3"]);
    expect((await h.store.events.recent(["comment.received", "stream.started"], 10)).map((e) => e.id)).toEqual(["evt_4", "evt_2", "evt_1"]);
    expect(await h.store.events.get("evt_2")).toEqual({ id: "evt_2", type: "comment.received", createdAt: new Date(T0), data: { n: 2, nested: { type: "comment.received" } } });
    expect(await h.store.events.get("evt_9")).toBeUndefined();
    expect(await h.store.events.count()).toBe(4);
  });

  it("prunes by age and then by count, newest kept, and says how many went", async () => {
    const h = await open();
    const day = 86_400_000;
    await record(h, 1, "a", 40 * day);
    for (let n = 2; n <= 8; n++) await record(h, n, "a", (10 - n) * 60_000);
    expect(await h.store.events.prune(new Date(T0 - 30 * day), 5)).toBe(3);
    expect((await h.store.events.recent([], 100)).map((e) => e.id)).toEqual(["evt_8", "evt_7", "evt_6", "evt_5", "evt_4"]);
    expect(await h.store.events.prune(new Date(T0 - 30 * day), 5)).toBe(0);
    expect(await h.store.events.count()).toBe(5);
  });
});
