import { expect, it } from "vitest";
import { MAX_SESSIONS_PER_TOKEN } from "../../src/db/sessions-repo.js";
import { describeDialects, T0 } from "../support/dialects.js";

const HOUR = 3_600_000;
const at = (ms: number) => new Date(T0 + ms);

describeDialects("dashboard sessions store", (open) => {
  it("creates a session whose id is returned once and stored only as a keyed hash, and finds it until it expires", async () => {
    const { store, query } = await open();
    const { id, expiresAt } = await store.sessions.create("token-hash-a", HOUR, at(0));
    expect(id).toMatch(/^psess_/);
    expect(expiresAt).toEqual(at(HOUR));
    expect(JSON.stringify(await query("SELECT * FROM sessions"))).not.toContain(id);
    expect(await store.sessions.find(id, at(HOUR - 1))).toEqual({ tokenHash: "token-hash-a", expiresAt: at(HOUR) });
    expect(await store.sessions.find(id, at(HOUR))).toBeUndefined();
    // Expired is gone, not just hidden: an earlier clock does not bring it back.
    expect(await store.sessions.find(id, at(0))).toBeUndefined();
    expect(await store.sessions.find("psess_unknown", at(0))).toBeUndefined();
  });

  it("ends one session, or every session of a token, and counts them", async () => {
    const { store } = await open();
    const a1 = await store.sessions.create("a", HOUR, at(0));
    const a2 = await store.sessions.create("a", HOUR, at(1));
    const b = await store.sessions.create("b", HOUR, at(2));
    await store.sessions.end(a1.id);
    expect(await store.sessions.find(a1.id, at(3))).toBeUndefined();
    expect(await store.sessions.endAllFor("a")).toBe(1);
    expect(await store.sessions.find(a2.id, at(3))).toBeUndefined();
    expect(await store.sessions.find(b.id, at(3))).toBeDefined();
    expect(await store.sessions.endAllFor("a")).toBe(0);
  });

  it(`keeps a token's ${MAX_SESSIONS_PER_TOKEN} newest sessions: logging in again ends the oldest, never the new one`, async () => {
    const { store } = await open();
    const made = [];
    for (let i = 0; i <= MAX_SESSIONS_PER_TOKEN; i++) made.push(await store.sessions.create("busy", HOUR, at(i)));
    expect(await store.sessions.find(made[0]!.id, at(100))).toBeUndefined();
    for (const s of made.slice(1)) expect(await store.sessions.find(s.id, at(100))).toBeDefined();
    // All in one millisecond: whichever older ones go, the session just made stays.
    for (let i = 0; i < MAX_SESSIONS_PER_TOKEN * 4; i++) {
      const latest = await store.sessions.create("same-ms", HOUR, at(300));
      expect(await store.sessions.find(latest.id, at(300)), `session ${i}`).toBeDefined();
    }
    expect(await store.sessions.endAllFor("same-ms")).toBe(MAX_SESSIONS_PER_TOKEN);
  });

  it("drops every expired session when one is created", async () => {
    const { store, query } = await open();
    await store.sessions.create("x", HOUR, at(0));
    await store.sessions.create("y", 10 * HOUR, at(0));
    await store.sessions.create("z", HOUR, at(2 * HOUR));
    expect((await query("SELECT token_hash FROM sessions ORDER BY token_hash")).map((r) => r.token_hash)).toEqual(["y", "z"]);
  });
});
