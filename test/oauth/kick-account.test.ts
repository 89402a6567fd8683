import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { SecretBox } from "../../src/secrets/secret-box.js";
import { EventBus } from "../../src/bus.js";
import { createAccounts } from "../../src/oauth/index.js";
import { createLogger } from "../../src/log.js";
import { unresolvedTarget } from "../../src/relay/output-error.js";
import { startTestPrism, type TestPrism } from "../support/prism.js";
import { openTestStore } from "../support/db.js";
import { expectNoSecretLeak } from "../support/secrets.js";
import { OpenApiChecker } from "../api/openapi-check.js";
import { KICK_USER, startKickFake, type KickFake } from "../fakes/kick.js";
import { expectNotInDatabase, linkThroughBrowser } from "./support.js";

const KICK_SCOPES = ["user:read", "channel:read", "channel:write", "streamkey:read", "chat:write", "events:subscribe", "moderation:ban", "moderation:chat_message:manage"];

describe("linking a Kick account (OAuth 2.1, PKCE S256, rotating refresh tokens)", () => {
  let kick: KickFake;
  let t: TestPrism;
  let checker: OpenApiChecker;

  beforeAll(async () => {
    kick = await startKickFake();
    t = await startTestPrism({ env: kick.env() });
    checker = new OpenApiChecker((await t.api("GET", "/api/v1/openapi.json", undefined, { token: null })).body);
  });
  afterAll(async () => {
    await t.stop();
    await kick.close();
  });

  it("is listed among the platforms, with its webhook route documented", async () => {
    const platforms = await t.api("GET", "/api/v1/platforms");
    checker.check("GET", "/api/v1/platforms", platforms);
    expect(platforms.body.map((p: { id: string }) => p.id)).toContain("kick");
    const spec = (await t.api("GET", "/api/v1/openapi.json", undefined, { token: null })).body;
    expect(spec.paths["/api/v1/platforms/kick/webhook"]?.post).toBeDefined();
    const accountPlatforms = await t.api("GET", "/api/v1/accounts/platforms");
    expect(accountPlatforms.body.find((p: { platform: string }) => p.platform === "kick")).toMatchObject({ platform: "kick", redirectUri: expect.stringMatching(/\/api\/v1\/oauth\/kick\/callback$/) });
  });

  it("links through the platform's real redirects: state and PKCE S256 checked by the fake, the scopes asked for, no token shown or stored readable", async () => {
    const { location, authorize, callback } = await linkThroughBrowser(t, "kick", kick.oauth);
    expect(authorize.origin + authorize.pathname).toBe(`${kick.url}/oauth/authorize`);
    expect(authorize.searchParams.get("state")).toBe(callback.searchParams.get("state"));
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("scope")?.split(" ")).toEqual(KICK_SCOPES);
    expect(kick.oauth.counts.authorization_code).toBe(1);
    expect(kick.oauth.counts.refused).toBe(0);
    expect(location.searchParams.get("account_linked")).toBe("kick");
    const account = await t.api("GET", `/api/v1/accounts/${location.searchParams.get("account")}`);
    checker.check("GET", "/api/v1/accounts/{id}", account);
    expect(account.body).toMatchObject({ platform: "kick", platformUserId: KICK_USER.id, displayName: "speedy_streams", status: "ok", scopes: KICK_SCOPES });
    expectNoSecretLeak(t, kick.oauth.issued);
    await expectNotInDatabase(t.dataDir, kick.oauth.issued);
  });

  it("GET /accounts/kick/connect answers with Kick's consent page, which comes back to Prism's callback", async () => {
    const res = await fetch(`http://127.0.0.1:${t.prism.httpPort}/api/v1/accounts/kick/connect`, { headers: { authorization: `Bearer ${t.token}` }, redirect: "manual" });
    expect(res.status).toBe(302);
    const consent = new URL(res.headers.get("location")!);
    expect(consent.origin + consent.pathname).toBe(`${kick.url}/oauth/authorize`);
    expect(consent.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const atKick = await fetch(consent, { redirect: "manual" });
    expect(atKick.status).toBe(302);
    const atPrism = await fetch(atKick.headers.get("location")!, { redirect: "manual" });
    expect(atPrism.status).toBe(302);
    expect(new URL(atPrism.headers.get("location")!, `http://127.0.0.1:${t.prism.httpPort}`).searchParams.get("account_linked")).toBe("kick");
  });

  it("unlinking revokes Prism's access at Kick", async () => {
    const { location } = await linkThroughBrowser(t, "kick", kick.oauth);
    const revokes = kick.oauth.counts.revoke;
    const res = await t.api("DELETE", `/api/v1/accounts/${location.searchParams.get("account")}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ revoked: true });
    expect(kick.oauth.counts.revoke).toBe(revokes + 1);
  });
});

describe("a linked Kick account keeps its tokens usable", () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function setup(scopes = KICK_SCOPES) {
    const kick = await startKickFake();
    cleanup.push(() => kick.close());
    const dir = mkdtempSync(join(tmpdir(), "prism-kick-"));
    const config = loadConfig({ PRISM_DATA_DIR: dir, ...kick.env(), PRISM_OAUTH_REFRESH_MARGIN_SECONDS: "0", PRISM_OAUTH_REFRESH_CHECK_SECONDS: "3600" });
    const database = await openTestStore(new SecretBox("0123456789abcdef0123456789abcdef"));
    const { streams, destinations, accounts: repo } = database.store;
    const accounts = createAccounts({ store: database.store, bus: new EventBus(), settings: config.accounts, redirectUri: () => "http://127.0.0.1/cb", log: createLogger({ level: "silent" }) });
    accounts.start();
    cleanup.push(async () => {
      accounts.stop();
      await database.close();
    });
    const granted = kick.oauth.grant(KICK_USER, scopes);
    const account = await repo.link({
      platform: "kick",
      platformUserId: KICK_USER.id,
      displayName: KICK_USER.displayName,
      accessToken: granted.access_token,
      refreshToken: granted.refresh_token ?? null,
      expiresAt: new Date(Date.now() + granted.expires_in * 1000),
      scopes,
    });
    const stream = await streams.create("Kick");
    await streams.update(stream.id, { title: "Any% glitchless" });
    const destination = await destinations.create({ streamId: stream.id, platform: "kick", name: "kick", url: "", streamKey: "", enabled: true, accountId: account.id });
    const resolver = accounts.resolverFor(destination)!;
    const resolve = () => resolver().catch((err: unknown) => Promise.reject(unresolvedTarget(err)));
    return { kick, resolve, repo, account, granted };
  }

  it("gets the ingest URL and key from the channel, pushes the title, and after Kick expires the token stores the rotated refresh token (the old one is refused)", async () => {
    const { kick, resolve, repo, account, granted } = await setup();
    expect(await resolve()).toEqual({ url: kick.stream.url, streamKey: kick.stream.key });
    expect(kick.titles.get(KICK_USER.id)).toBe("Any% glitchless");

    kick.oauth.invalidateAccessTokens();
    expect(await resolve()).toEqual({ url: kick.stream.url, streamKey: kick.stream.key });
    expect(kick.oauth.counts.refresh_token).toBe(1);
    const after = (await repo.get(account.id))!;
    expect(after.refreshToken).not.toBe(granted.refresh_token);
    expect(after.accessToken).not.toBe(granted.access_token);

    // Kick, like the fake, refuses a refresh token once it has been used.
    const stale = await fetch(`${kick.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: granted.refresh_token!, client_id: kick.oauth.dialect.clientId, client_secret: kick.oauth.dialect.clientSecret }),
    });
    expect(stale.status).toBe(400);
    expect(await stale.json()).toMatchObject({ error: "invalid_grant" });

    // The stored one still works: a second expiry refreshes again.
    kick.oauth.invalidateAccessTokens();
    expect((await resolve()).streamKey).toBe(kick.stream.key);
    // Three refresh attempts: Prism's, the stale one above (refused), Prism's again.
    expect(kick.oauth.counts.refresh_token).toBe(3);
    expect(kick.oauth.counts.refused).toBe(1);
  });

  it("without streamkey:read Kick hands out no key, and the destination says how to fix it", async () => {
    const { resolve } = await setup(KICK_SCOPES.filter((s) => s !== "streamkey:read"));
    await expect(resolve()).rejects.toMatchObject({ kind: "rejected", message: expect.stringMatching(/streamkey:read/) });
  });

  it("a rate-limited Kick is passing trouble, not a refusal", async () => {
    const { kick, resolve } = await setup();
    kick.rateLimitNext(1);
    await expect(resolve()).rejects.toMatchObject({ message: expect.stringMatching(/Kick could not hand out the stream URL and key right now \(Too Many Requests\)/) });
    expect((await resolve()).streamKey).toBe(kick.stream.key);
  });
});
