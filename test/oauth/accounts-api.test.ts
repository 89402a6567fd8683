import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPrism, type TestPrism } from "../support/prism.js";
import { expectNoSecretLeak } from "../support/secrets.js";
import { OpenApiChecker } from "../api/openapi-check.js";
import { startTwitchFake, TWITCH_USER, type TwitchFake } from "../fakes/twitch.js";
import { startYouTubeFake, YOUTUBE_CHANNEL, type YouTubeFake } from "../fakes/youtube.js";
import { startXFake, X_USER, type XFake } from "../fakes/x.js";
import { startTwitCastingFake, TWITCASTING_USER, type TwitCastingFake } from "../fakes/twitcasting.js";
import { s256 } from "../../src/oauth/pkce.js";
import { expectNotInDatabase, linkThroughBrowser } from "./support.js";

describe("linking platform accounts over real HTTP redirects", () => {
  let t: TestPrism;
  let twitch: TwitchFake;
  let youtube: YouTubeFake;
  let x: XFake;
  let twitcasting: TwitCastingFake;
  let checker: OpenApiChecker;
  const call = async (method: string, path: string, body?: unknown, options?: Parameters<TestPrism["api"]>[3]) => {
    const res = await t.api(method, path, body, options);
    checker.check(method, path, res);
    return res;
  };

  beforeAll(async () => {
    [twitch, youtube, x, twitcasting] = await Promise.all([startTwitchFake(), startYouTubeFake(), startXFake(), startTwitCastingFake()]);
    t = await startTestPrism({ env: { ...twitch.env(), ...youtube.env(), ...x.env(), ...twitcasting.env() } });
    checker = new OpenApiChecker((await t.api("GET", "/api/v1/openapi.json", undefined, { token: null })).body);
  });
  afterAll(async () => {
    await t.stop();
    await Promise.all([twitch, youtube, x, twitcasting].map((f) => f.close()));
  });

  it("links Twitch, YouTube, X and TwitCasting: state checked by each fake, PKCE S256 where the platform has it, accounts listed without tokens", async () => {
    const cases = [
      { platform: "twitch", oauth: twitch.oauth, user: TWITCH_USER, name: "Speedy_Streams", pkce: false, scopes: ["channel:read:stream_key", "channel:manage:broadcast", "channel:manage:schedule", "user:read:chat", "user:write:chat", "moderator:manage:chat_messages", "moderator:manage:banned_users", "moderator:manage:chat_settings", "bits:read", "channel:read:subscriptions"] },
      { platform: "youtube", oauth: youtube.oauth, user: YOUTUBE_CHANNEL, name: "Speedy Streams", pkce: true, scopes: ["https://www.googleapis.com/auth/youtube", "https://www.googleapis.com/auth/youtube.force-ssl"] },
      { platform: "x", oauth: x.oauth, user: X_USER, name: "@speedy_streams", pkce: true, scopes: ["tweet.read", "users.read", "tweet.write", "offline.access"] },
      { platform: "twitcasting", oauth: twitcasting.oauth, user: TWITCASTING_USER, name: "ツイキャス公式", pkce: false, scopes: [] },
    ];
    for (const c of cases) {
      const { location, authorize, callback } = await linkThroughBrowser(t, c.platform, c.oauth);
      expect(authorize.searchParams.get("state")).toBe(callback.searchParams.get("state"));
      expect(authorize.searchParams.get("state")!.length).toBeGreaterThanOrEqual(43);
      expect(authorize.searchParams.get("code_challenge_method")).toBe(c.pkce ? "S256" : null);
      // The code was exchanged with the verifier matching the challenge: the fake checks it, and refuses nothing.
      expect(c.oauth.counts.authorization_code, `${c.platform}: ${location}`).toBe(1);
      expect(c.oauth.counts.refused).toBe(0);
      expect(location.pathname).toBe("/");
      expect(location.searchParams.get("account_linked")).toBe(c.platform);
      const account = (await call("GET", `/api/v1/accounts/${location.searchParams.get("account")}`)).body;
      expect(account).toMatchObject({ platform: c.platform, platformUserId: c.user.id, displayName: c.name, status: "ok", scopes: c.scopes });
    }
    expect(youtube.oauth.lastAuthorize?.get("access_type")).toBe("offline");
    const listed = await call("GET", "/api/v1/accounts");
    expect(listed.body.map((a: { platform: string }) => a.platform)).toEqual(["twitch", "youtube", "x", "twitcasting"]);
    for (const a of listed.body) expect(Object.keys(a).sort()).toEqual(["createdAt", "displayName", "expiresAt", "id", "platform", "platformUserId", "scopes", "status", "statusReason", "updatedAt"]);

    // Linking the same user again updates the account in place.
    const again = await linkThroughBrowser(t, "twitch", twitch.oauth);
    expect(again.location.searchParams.get("account")).toBe(listed.body[0].id);
    expect((await call("GET", "/api/v1/accounts")).body).toHaveLength(4);

    const secrets = [twitch, youtube, x, twitcasting].flatMap((f) => f.oauth.issued);
    expect(secrets.length).toBeGreaterThanOrEqual(8);
    expectNoSecretLeak(t, secrets);
    await expectNotInDatabase(t.dataDir, secrets);
  });

  it("refuses a forged, a reused and an unfinished state with an error a person can act on", async () => {
    const forged = await call("GET", `/api/v1/oauth/twitch/callback?code=abc&state=${"A".repeat(43)}`, undefined, { token: null });
    expect(forged.status).toBe(400);
    expect(forged.body.error).toMatchObject({ code: "oauth_state_invalid", message: expect.stringMatching(/Start linking the account again/) });

    const missing = await call("GET", "/api/v1/oauth/twitch/callback?code=abc", undefined, { token: null });
    expect(missing.body.error.code).toBe("oauth_state_missing");

    const { callback } = await linkThroughBrowser(t, "twitch", twitch.oauth);
    const replay = await fetch(callback, { redirect: "manual" });
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: unknown }).error).toMatchObject({ code: "oauth_state_used", message: expect.stringMatching(/already used/) });

    // A state for one platform is no good at another platform's callback.
    const started = await t.api("POST", "/api/v1/accounts/x/connect");
    const state = new URL(started.body.authorizeUrl).searchParams.get("state");
    const crossed = await call("GET", `/api/v1/oauth/twitch/callback?code=abc&state=${state}`, undefined, { token: null });
    expect(crossed.body.error.code).toBe("oauth_state_invalid");

    // The person clicks "Cancel" at the platform: back on the dashboard, told so.
    twitch.oauth.denyNext = true;
    const denied = await linkThroughBrowser(t, "twitch", twitch.oauth);
    expect(Object.fromEntries(denied.location.searchParams)).toEqual({ account_error: "access_denied", platform: "twitch" });
  });

  it("a cancelled consent lands on the dashboard as 'cancelled' on every platform, TwitCasting's state-less result=denied too", async () => {
    twitcasting.oauth.denyNext = true;
    const tc = await linkThroughBrowser(t, "twitcasting", twitcasting.oauth);
    expect(Object.fromEntries(tc.callback.searchParams)).toEqual({ result: "denied" });
    expect(tc.location.pathname).toBe("/");
    expect(Object.fromEntries(tc.location.searchParams)).toEqual({ account_error: "access_denied", platform: "twitcasting" });
    for (const [platform, fake] of [["x", x], ["youtube", youtube]] as const) {
      fake.oauth.denyNext = true;
      const back = await linkThroughBrowser(t, platform, fake.oauth);
      expect(Object.fromEntries(back.location.searchParams)).toEqual({ account_error: "access_denied", platform });
    }
    // Any platform's bare "error=access_denied" with no state is a cancel too; nothing is stored.
    const before = (await call("GET", "/api/v1/accounts")).body;
    const bare = await fetch(new URL("/api/v1/oauth/twitch/callback?error=access_denied&error_description=The+user+denied+you+access", tc.callback), { redirect: "manual" });
    expect(bare.status).toBe(302);
    expect(Object.fromEntries(new URL(bare.headers.get("location")!, tc.callback).searchParams)).toEqual({ account_error: "access_denied", platform: "twitch" });
    expect((await call("GET", "/api/v1/accounts")).body).toEqual(before);
  });

  it("refuses an expired state", async () => {
    const short = await startTestPrism({ env: { ...twitch.env(), PRISM_OAUTH_STATE_TTL_SECONDS: "0.3" } });
    try {
      const started = await short.api("POST", "/api/v1/accounts/twitch/connect");
      twitch.oauth.redirectUris.add(started.body.redirectUri);
      const atPlatform = await fetch(started.body.authorizeUrl, { redirect: "manual" });
      await new Promise((r) => setTimeout(r, 400));
      const late = await fetch(atPlatform.headers.get("location")!, { redirect: "manual" });
      expect(late.status).toBe(400);
      expect(((await late.json()) as { error: unknown }).error).toMatchObject({ code: "oauth_state_expired", message: expect.stringMatching(/expired/) });
    } finally {
      await short.stop();
    }
  });

  it("starts linking by GET for API clients, says which platforms are set up, and refuses what it cannot do", async () => {
    // t.api follows redirects; a client that reads the 302 itself:
    const redirect = await fetch(`http://127.0.0.1:${t.prism.httpPort}/api/v1/accounts/youtube/connect`, { redirect: "manual", headers: { authorization: `Bearer ${t.token}` } });
    checker.check("GET", "/api/v1/accounts/youtube/connect", { status: redirect.status, text: await redirect.clone().text(), headers: redirect.headers });
    expect(redirect.status).toBe(302);
    const to = new URL(redirect.headers.get("location")!);
    expect(to.origin + to.pathname).toBe(`${youtube.url}/o/oauth2/v2/auth`);
    expect(to.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await call("GET", "/api/v1/accounts/youtube/connect", undefined, { token: null })).status).toBe(401);

    const platforms = (await call("GET", "/api/v1/accounts/platforms")).body;
    expect(platforms.find((p: { platform: string }) => p.platform === "twitch")).toEqual({
      platform: "twitch",
      displayName: "Twitch",
      configured: true,
      pkce: false,
      redirectUri: `http://127.0.0.1:${t.prism.httpPort}/api/v1/oauth/twitch/callback`,
    });
    expect((await call("POST", "/api/v1/accounts/custom/connect")).body.error.code).toBe("validation_failed");

    const bare = await startTestPrism();
    try {
      const refused = await bare.api("POST", "/api/v1/accounts/twitch/connect");
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: "platform_not_configured", message: expect.stringContaining("PRISM_TWITCH_CLIENT_ID") });
    } finally {
      await bare.stop();
    }
  });

  it("the PKCE verifier Prism sends is the one behind the challenge (a wrong one is refused by the fake)", async () => {
    const started = await t.api("POST", "/api/v1/accounts/x/connect");
    x.oauth.redirectUris.add(started.body.redirectUri);
    const authorize = new URL(started.body.authorizeUrl);
    const atPlatform = await fetch(authorize, { redirect: "manual" });
    const code = new URL(atPlatform.headers.get("location")!).searchParams.get("code")!;
    const basic = Buffer.from(`${x.oauth.dialect.clientId}:${x.oauth.dialect.clientSecret}`).toString("base64");
    const wrong = await fetch(`${x.url}/2/oauth2/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${basic}` },
      body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: started.body.redirectUri, code_verifier: "not-the-verifier-" + "x".repeat(30) }),
    });
    expect(wrong.status).toBe(400);
    expect(s256("not-the-verifier")).not.toBe(authorize.searchParams.get("code_challenge"));
  });

  it("unlinks: refused while a destination uses the account, then revoked at the platform", async () => {
    const accounts = (await call("GET", "/api/v1/accounts")).body as Array<{ id: string; platform: string }>;
    const twitchAccount = accounts.find((a) => a.platform === "twitch")!;
    const { body: stream } = await call("POST", "/api/v1/streams", { name: "Unlink" });
    const { body: dest } = await call("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "twitch", accountId: twitchAccount.id });
    expect(dest).toMatchObject({ name: "Twitch (Speedy_Streams)", accountId: twitchAccount.id, url: "", streamKey: "" });
    expect((await call("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "twitch", accountId: twitchAccount.id, url: "rtmp://a/b", streamKey: "k" })).body.error.code).toBe("invalid_destination");
    expect((await call("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "youtube", accountId: twitchAccount.id })).body.error.message).toMatch(/twitch account, not a youtube one/);
    expect((await call("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "twitch" })).body.error.message).toMatch(/name, url, streamKey: required/);
    const xAccount = accounts.find((a) => a.platform === "x")!;
    expect((await call("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "x", accountId: xAccount.id })).body.error.message).toMatch(/Media Studio/);

    const busy = await call("DELETE", `/api/v1/accounts/${twitchAccount.id}`);
    expect(busy.status).toBe(409);
    expect(busy.body.error.message).toMatch(/"Twitch \(Speedy_Streams\)"/);
    await call("DELETE", `/api/v1/streams/${stream.id}/destinations/${dest.id}`);
    const revokesBefore = twitch.oauth.counts.revoke;
    const gone = await call("DELETE", `/api/v1/accounts/${twitchAccount.id}`);
    expect(gone.body).toEqual({ id: twitchAccount.id, revoked: true, message: "Prism's access to the Twitch account was revoked." });
    expect(twitch.oauth.counts.revoke).toBe(revokesBefore + 1);
    expect((await call("GET", `/api/v1/accounts/${twitchAccount.id}`)).status).toBe(404);

    const tc = accounts.find((a) => a.platform === "twitcasting")!;
    const tcGone = await call("DELETE", `/api/v1/accounts/${tc.id}`);
    expect(tcGone.body).toMatchObject({ revoked: false, message: expect.stringMatching(/offers no way to revoke/) });

    const mine = [...checker.exercised.keys()].filter((k) => /\/api\/v1\/(accounts|oauth)/.test(k));
    expect(mine.sort()).toEqual([
      "delete /api/v1/accounts/{id}",
      "get /api/v1/accounts",
      "get /api/v1/accounts/platforms",
      "get /api/v1/accounts/{id}",
      "get /api/v1/accounts/{platform}/connect",
      "get /api/v1/oauth/{platform}/callback",
      "post /api/v1/accounts/{platform}/connect",
    ]);
  });
});
