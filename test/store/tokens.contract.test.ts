import { expect, it, vi } from "vitest";
import { DuplicateTokenName } from "../../src/db/tokens-repo.js";
import { describeDialects, fakeDate, T0 } from "../support/dialects.js";

describeDialects("API tokens store", (open) => {
  fakeDate();

  it("creates a token shown once, stores only its keyed hash, and finds it by token or hash", async () => {
    const { store, query } = await open();
    const { token, record } = await store.tokens.create("ci", ["read", "write", "read"]);
    expect(token).toMatch(/^prism_/);
    expect(record).toEqual({ id: record.id, name: "ci", scopes: ["read", "write"], hint: token.slice(-4), createdAt: new Date(T0), lastUsedAt: null });
    const rows = await query("SELECT * FROM api_tokens");
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(await store.tokens.findByToken(token)).toEqual(record);
    const hash = await store.tokens.hashOf(token);
    expect(await store.tokens.findByHash(hash)).toEqual(record);
    expect(await store.tokens.hashById(record.id)).toBe(hash);
    expect(await store.tokens.findByToken("prism_not-a-token")).toBeUndefined();
    expect(await store.tokens.hashById("no-such-id")).toBeUndefined();
  });

  it("refuses a name already taken, also when two ask for it at once", async () => {
    const { store } = await open();
    await store.tokens.create("taken", ["admin"]);
    await expect(store.tokens.create("taken", ["read"])).rejects.toBeInstanceOf(DuplicateTokenName);
    const both = await Promise.allSettled([store.tokens.create("race", ["read"]), store.tokens.create("race", ["read"])]);
    expect(both.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = both.find((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(refused?.reason).toBeInstanceOf(DuplicateTokenName);
    expect((await store.tokens.list()).map((t) => t.name).sort()).toEqual(["race", "taken"]);
  });

  it("lists tokens oldest first, keeps only known scopes, records the last use and deletes once", async () => {
    const { store, query } = await open();
    const a = await store.tokens.create("a", ["moderate"]);
    vi.setSystemTime(T0 + 1000);
    const b = await store.tokens.create("b", ["read"]);
    await query(`UPDATE api_tokens SET scopes = 'read,launch-missiles' WHERE id = '${b.record.id}'`);
    expect((await store.tokens.list()).map((t) => [t.name, t.scopes])).toEqual([
      ["a", ["moderate"]],
      ["b", ["read"]],
    ]);
    await store.tokens.touch(a.record.id, new Date(T0 + 5000));
    expect((await store.tokens.findByToken(a.token))!.lastUsedAt).toEqual(new Date(T0 + 5000));
    expect(await store.tokens.delete(a.record.id)).toBe(true);
    expect(await store.tokens.delete(a.record.id)).toBe(false);
    expect(await store.tokens.findByToken(a.token)).toBeUndefined();
  });
});
