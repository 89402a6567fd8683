import { expect, it, vi } from "vitest";
import { REMEMBER_MS } from "../../src/db/oauth-states-repo.js";
import { describeDialects, fakeDate, T0 } from "../support/dialects.js";

const TEN_MIN = 600_000;
const flow = (state: string, codeVerifier: string | null = `verifier-of-${state}`) => ({ state, platform: "x", codeVerifier, redirectUri: "http://127.0.0.1/cb", expiresAt: new Date(T0 + TEN_MIN) });

describeDialects("OAuth states store", (open) => {
  fakeDate();

  it("gives a state's platform, verifier and redirect exactly once; the verifier and the state are not stored in clear", async () => {
    const { store, query } = await open();
    await store.oauthStates.create(flow("state-one"));
    await store.oauthStates.create(flow("state-two", null));
    const raw = JSON.stringify(await query("SELECT * FROM oauth_states"));
    expect(raw).not.toContain("state-one");
    expect(raw).not.toContain("verifier-of-state-one");
    expect(await store.oauthStates.consume("state-one")).toEqual({ ok: true, platform: "x", codeVerifier: "verifier-of-state-one", redirectUri: "http://127.0.0.1/cb" });
    expect(await store.oauthStates.consume("state-one")).toEqual({ ok: false, reason: "used" });
    expect(await store.oauthStates.consume("state-two")).toMatchObject({ ok: true, codeVerifier: null });
    expect(await store.oauthStates.consume("never-issued")).toEqual({ ok: false, reason: "unknown" });
  });

  it("answers expired for a late callback, and used for any after it", async () => {
    const { store } = await open();
    await store.oauthStates.create(flow("late"));
    vi.setSystemTime(T0 + TEN_MIN);
    expect(await store.oauthStates.consume("late")).toEqual({ ok: false, reason: "expired" });
    expect(await store.oauthStates.consume("late")).toEqual({ ok: false, reason: "used" });
  });

  it("lets only one of two callbacks with the same state through", async () => {
    const { store } = await open();
    await store.oauthStates.create(flow("raced"));
    const answers = await Promise.all(Array.from({ length: 4 }, () => store.oauthStates.consume("raced")));
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    expect(answers.filter((a) => !a.ok)).toEqual(Array(3).fill({ ok: false, reason: "used" }));
  });

  it("forgets states a day after they expired, when a new flow starts", async () => {
    const { store } = await open();
    await store.oauthStates.create(flow("old"));
    vi.setSystemTime(T0 + TEN_MIN + REMEMBER_MS + 1);
    await store.oauthStates.create({ ...flow("new"), expiresAt: new Date(Date.now() + TEN_MIN) });
    expect(await store.oauthStates.consume("old")).toEqual({ ok: false, reason: "unknown" });
    expect(await store.oauthStates.consume("new")).toMatchObject({ ok: true });
  });
});
