import { expect, it, vi } from "vitest";
import { describeDialects, fakeDate, T0 } from "../support/dialects.js";

const user = { platform: "twitch", platformUserId: "u-1", displayName: "Streamer" };
const tokens = (n: number, refresh: string | null = `refresh-${n}`) => ({ accessToken: `access-${n}`, refreshToken: refresh, expiresAt: new Date(T0 + n * 3_600_000), scopes: ["chat:read", "channel:manage:broadcast"] });

describeDialects("linked accounts store", (open) => {
  fakeDate();

  it("links an account with its tokens encrypted at rest, and shows a summary without them", async () => {
    const { store, query } = await open();
    const linked = await store.accounts.link({ ...user, ...tokens(1) });
    expect(linked).toEqual({
      id: linked.id,
      ...user,
      scopes: ["chat:read", "channel:manage:broadcast"],
      expiresAt: new Date(T0 + 3_600_000),
      status: "ok",
      statusReason: null,
      createdAt: new Date(T0),
      updatedAt: new Date(T0),
      accessToken: "access-1",
      refreshToken: "refresh-1",
      platformData: {},
    });
    expect(await store.accounts.get(linked.id)).toEqual(linked);
    const { accessToken: _a, refreshToken: _r, platformData: _p, ...summary } = linked;
    expect(await store.accounts.summary(linked.id)).toEqual(summary);
    expect(await store.accounts.list()).toEqual([summary]);
    const raw = JSON.stringify(await query("SELECT * FROM accounts"));
    expect(raw).not.toContain("access-1");
    expect(raw).not.toContain("refresh-1");
    expect(await store.accounts.get("no-such-account")).toBeUndefined();
  });

  it("linking the same user again updates the same account, keeps the refresh token when none comes, and clears a reconnect", async () => {
    const { store } = await open();
    const first = await store.accounts.link({ ...user, ...tokens(1) });
    expect(await store.accounts.markNeedsReconnect(first.id, "refresh token revoked")).toBe(true);
    vi.setSystemTime(T0 + 1000);
    const again = await store.accounts.link({ ...user, displayName: "Renamed", ...tokens(2, null) });
    expect(again).toMatchObject({ id: first.id, displayName: "Renamed", accessToken: "access-2", refreshToken: "refresh-1", status: "ok", statusReason: null });
    expect(again.createdAt).toEqual(new Date(T0));
    expect(again.updatedAt).toEqual(new Date(T0 + 1000));
    expect((await store.accounts.link({ ...user, ...tokens(3) })).refreshToken).toBe("refresh-3");
    const other = await store.accounts.link({ ...user, platform: "youtube", ...tokens(4) });
    expect(other.id).not.toBe(first.id);
    expect((await store.accounts.list()).map((a) => a.platform)).toEqual(["twitch", "youtube"]);
  });

  it("links one account when the same user is linked twice at once", async () => {
    const { store } = await open();
    const [a, b] = await Promise.all([store.accounts.link({ ...user, ...tokens(1) }), store.accounts.link({ ...user, ...tokens(2) })]);
    expect(a.id).toBe(b.id);
    expect(await store.accounts.list()).toHaveLength(1);
  });

  it("saves refreshed tokens, keeping the refresh token and scopes the platform did not send", async () => {
    const { store } = await open();
    const linked = await store.accounts.link({ ...user, ...tokens(1) });
    vi.setSystemTime(T0 + 5000);
    const saved = await store.accounts.saveTokens(linked.id, { accessToken: "access-9", refreshToken: null, expiresAt: null, scopes: [] });
    expect(saved).toMatchObject({ accessToken: "access-9", refreshToken: "refresh-1", expiresAt: null, scopes: linked.scopes });
    expect(saved!.updatedAt).toEqual(new Date(T0 + 5000));
    const rotated = await store.accounts.saveTokens(linked.id, { ...tokens(10), scopes: ["chat:read"] });
    expect(rotated).toMatchObject({ refreshToken: "refresh-10", scopes: ["chat:read"] });
    expect(await store.accounts.saveTokens("no-such-account", tokens(1))).toBeUndefined();
  });

  it("announces needs-reconnect once, keeps platform data, and deletes once", async () => {
    const { store } = await open();
    const linked = await store.accounts.link({ ...user, ...tokens(1) });
    expect(await store.accounts.markNeedsReconnect(linked.id, "revoked")).toBe(true);
    expect(await store.accounts.markNeedsReconnect(linked.id, "revoked again")).toBe(false);
    expect(await store.accounts.summary(linked.id)).toMatchObject({ status: "needs_reconnect", statusReason: "revoked" });
    await store.accounts.saveData(linked.id, { liveStreamId: "ls-1", nested: { n: 1 } });
    expect((await store.accounts.get(linked.id))!.platformData).toEqual({ liveStreamId: "ls-1", nested: { n: 1 } });
    expect(await store.accounts.delete(linked.id)).toBe(true);
    expect(await store.accounts.delete(linked.id)).toBe(false);
    expect(await store.accounts.list()).toEqual([]);
  });
  it("runs refreshes of one account one at a time: each sees what the one before saved, and a failed one saves nothing", async () => {
    const { store } = await open();
    const account = await store.accounts.link({ ...user, ...tokens(1) });
    const seen: string[] = [];
    let release!: () => void;
    let entered!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const first = store.accounts.withRefreshLock(account.id, async (current) => {
      seen.push(current.accessToken);
      entered();
      await held;
      return tokens(2);
    });
    await inside;
    // Asked while the first holds the lock: it runs after, reads the tokens the first saved, and keeps them.
    const second = store.accounts.withRefreshLock(account.id, async (current) => {
      seen.push(current.accessToken);
      return null;
    });
    release();
    expect(await first).toMatchObject({ accessToken: "access-2", refreshToken: "refresh-2" });
    expect(await second).toMatchObject({ accessToken: "access-2", refreshToken: "refresh-2" });
    expect(seen).toEqual(["access-1", "access-2"]);
    await expect(store.accounts.withRefreshLock(account.id, async () => Promise.reject(new Error("token endpoint down")))).rejects.toThrow("token endpoint down");
    expect(await store.accounts.withRefreshLock(account.id, async () => tokens(3, null))).toMatchObject({ accessToken: "access-3", refreshToken: "refresh-2" });
    expect(await store.accounts.get(account.id)).toMatchObject({ accessToken: "access-3", refreshToken: "refresh-2" });
    expect(await store.accounts.withRefreshLock("no-such-account", async () => tokens(4))).toBeUndefined();
  });
});
