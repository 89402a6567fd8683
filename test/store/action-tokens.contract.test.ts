import { expect, it, vi } from "vitest";
import { describeDialects, fakeDate, T0 } from "../support/dialects.js";

describeDialects("action tokens store", (open) => {
  fakeDate();

  it("creates a token shown once and stored only as a keyed hash, found by the token", async () => {
    const { store, query } = await open();
    const stream = await store.streams.create("Show");
    const { token, record } = await store.actionTokens.create({ streamId: stream.id, name: "Stream Deck", actions: ["slate.on", "slate.off"] });
    expect(token).toMatch(/^prism_act_/);
    expect(record).toEqual({ id: record.id, streamId: stream.id, name: "Stream Deck", actions: ["slate.on", "slate.off"], hint: token.slice(-4), createdAt: new Date(T0), lastUsedAt: null });
    expect(JSON.stringify(await query("SELECT * FROM action_tokens"))).not.toContain(token);
    expect(await store.actionTokens.findByToken(token)).toEqual(record);
    expect(await store.actionTokens.findByToken("prism_act_wrong")).toBeUndefined();
  });

  it("lists a stream's tokens oldest first, records the last use, revokes once and goes with the stream", async () => {
    const { store } = await open();
    const stream = await store.streams.create("Show");
    const other = await store.streams.create("Other");
    const a = await store.actionTokens.create({ streamId: stream.id, name: "a", actions: ["chat.send"] });
    vi.setSystemTime(T0 + 1000);
    const b = await store.actionTokens.create({ streamId: stream.id, name: "b", actions: [] });
    await store.actionTokens.create({ streamId: other.id, name: "elsewhere", actions: [] });
    expect((await store.actionTokens.list(stream.id)).map((t) => t.name)).toEqual(["a", "b"]);
    await store.actionTokens.touch(a.record.id, new Date(T0 + 9000));
    expect((await store.actionTokens.findByToken(a.token))!.lastUsedAt).toEqual(new Date(T0 + 9000));
    expect(await store.actionTokens.delete(other.id, a.record.id)).toBe(false);
    expect(await store.actionTokens.delete(stream.id, a.record.id)).toBe(true);
    expect(await store.actionTokens.delete(stream.id, a.record.id)).toBe(false);
    expect(await store.actionTokens.findByToken(a.token)).toBeUndefined();
    await store.streams.delete(stream.id);
    expect(await store.actionTokens.findByToken(b.token)).toBeUndefined();
  });
});
