import { expect, it, vi } from "vitest";
import { describeDialects, fakeDate, T0 } from "../support/dialects.js";

const standard = { kind: "standard" as const, url: "https://hooks.example.com/secret-path-123", eventTypes: ["stream.started", "comment.received"], filter: { platforms: ["twitch"], keyword: "!clip" }, secret: "whsec-signing-secret", description: "Zapier" };
const ifttt = { kind: "ifttt" as const, ifttt: { event: "went_live", key: "ifttt-key-xyz" }, eventTypes: ["stream.started"], filter: null, secret: "whsec-other", description: null };

describeDialects("webhook subscriptions store", (open) => {
  fakeDate();

  it("stores both kinds with URL, IFTTT key and secret encrypted, and reads them back", async () => {
    const { store, query } = await open();
    const a = await store.webhookSubscriptions.create(standard);
    vi.setSystemTime(T0 + 1000);
    const b = await store.webhookSubscriptions.create(ifttt);
    expect(a).toEqual({ id: a.id, ...standard, createdAt: new Date(T0) });
    expect(b).toEqual({ id: b.id, ...ifttt, createdAt: new Date(T0 + 1000) });
    expect(await store.webhookSubscriptions.get(a.id)).toEqual(a);
    expect(await store.webhookSubscriptions.list()).toEqual([a, b]);
    const raw = JSON.stringify(await query("SELECT * FROM webhook_subscriptions"));
    for (const secret of ["secret-path-123", "ifttt-key-xyz", "whsec-signing-secret", "whsec-other"]) expect(raw).not.toContain(secret);
    expect(await store.webhookSubscriptions.get("nope")).toBeUndefined();
  });

  it("routes events by type and filter without decrypting, and follows creates and deletes", async () => {
    const { store } = await open();
    expect(await store.webhookSubscriptions.routes()).toEqual([]);
    const a = await store.webhookSubscriptions.create(standard);
    const b = await store.webhookSubscriptions.create(ifttt);
    const byId = <R extends { id: string }>(routes: ReadonlyArray<R>) => [...routes].sort((x, y) => x.id.localeCompare(y.id));
    expect(byId(await store.webhookSubscriptions.routes())).toEqual(
      byId([
        { id: a.id, eventTypes: standard.eventTypes, filter: standard.filter },
        { id: b.id, eventTypes: ifttt.eventTypes, filter: null },
      ]),
    );
    expect(await store.webhookSubscriptions.delete(a.id)).toBe(true);
    expect(await store.webhookSubscriptions.delete(a.id)).toBe(false);
    expect((await store.webhookSubscriptions.routes()).map((r) => r.id)).toEqual([b.id]);
  });
});
