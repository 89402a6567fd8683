import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream } from "../support/publisher.js";
import { killAll } from "../support/children.js";
import { expectNoSecretLeak } from "../support/secrets.js";
import { OpenApiChecker } from "../api/openapi-check.js";
import { FACEBOOK_PAGE, FACEBOOK_USER, GRAPH, startFacebookFake, type FacebookFake } from "../fakes/facebook.js";
import { expectNotInDatabase, linkThroughBrowser } from "./support.js";
import type { PrismEvents } from "../../src/bus.js";
import { runCli } from "../cli/run-cli.js";

const SCOPES = ["pages_show_list", "pages_read_engagement", "pages_manage_posts", "publish_video", "pages_read_user_content", "pages_manage_engagement"];
const DAY_MS = 86_400_000;

describe("linking a Facebook account", () => {
  let t: TestPrism;
  let fb: FacebookFake;
  let checker: OpenApiChecker;

  beforeAll(async () => {
    fb = await startFacebookFake();
    t = await startTestPrism({ env: fb.env() });
    checker = new OpenApiChecker((await t.api("GET", "/api/v1/openapi.json", undefined, { token: null })).body);
  });
  afterEach(async () => {
    await killAll();
  });
  afterAll(async () => {
    await t.stop();
    await fb.close();
  });

  it("GET /accounts/facebook/connect answers with Facebook's consent page: the Login dialog with the app, the permissions and a state", async () => {
    const redirect = await fetch(`http://127.0.0.1:${t.prism.httpPort}/api/v1/accounts/facebook/connect`, { redirect: "manual", headers: { authorization: `Bearer ${t.token}` } });
    checker.check("GET", "/api/v1/accounts/facebook/connect", { status: redirect.status, text: await redirect.clone().text(), headers: redirect.headers });
    expect(redirect.status).toBe(302);
    const dialog = new URL(redirect.headers.get("location")!);
    expect(dialog.origin + dialog.pathname).toBe(`${fb.url}${GRAPH}/dialog/oauth`);
    expect(dialog.searchParams.get("client_id")).toBe(fb.oauth.dialect.clientId);
    expect(dialog.searchParams.get("response_type")).toBe("code");
    expect(dialog.searchParams.get("scope")!.split(" ")).toEqual(SCOPES);
    expect(dialog.searchParams.get("state")!.length).toBeGreaterThanOrEqual(43);
    // Facebook's PKCE is still "in testing": not sent.
    expect(dialog.searchParams.get("code_challenge")).toBeNull();
    expect(dialog.searchParams.get("redirect_uri")).toMatch(/\/api\/v1\/oauth\/facebook\/callback$/);

    const listed = (await t.api("GET", "/api/v1/accounts/platforms")).body.find((p: { platform: string }) => p.platform === "facebook");
    expect(listed).toMatchObject({ platform: "facebook", displayName: "Facebook", configured: true, pkce: false });
    const platform = (await t.api("GET", "/api/v1/platforms")).body.find((p: { id: string }) => p.id === "facebook");
    expect(platform).toMatchObject({ id: "facebook", displayName: "Facebook" });
  });

  it("links through the real redirects, swaps the hour-long token for a 60-day one at once, and keeps no token readable", async () => {
    const { location, authorize, callback } = await linkThroughBrowser(t, "facebook", fb.oauth);
    expect(callback.searchParams.get("state")).toBe(authorize.searchParams.get("state"));
    expect(location.searchParams.get("account_linked")).toBe("facebook");
    expect(fb.oauth.counts.authorization_code).toBe(1);
    expect(fb.counts.longLivedExchanges).toBe(1);
    const account = (await t.api("GET", `/api/v1/accounts/${location.searchParams.get("account")}`)).body;
    expect(account).toMatchObject({ platform: "facebook", platformUserId: FACEBOOK_USER.id, displayName: FACEBOOK_USER.displayName, status: "ok" });
    // The long-lived token is the one kept: it expires in about 60 days, not in an hour.
    const expiresIn = new Date(account.expiresAt).getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan(59 * DAY_MS);
    expect(expiresIn).toBeLessThan(61 * DAY_MS);
    // The short-lived token no longer counts: Prism signs with the exchanged one (the fake checks the bearer).
    expect(fb.calls.filter((c) => c.path === "/me")).toEqual([expect.objectContaining({ status: 200 })]);
    await expectNotInDatabase(t.dataDir, fb.oauth.issued);
    expectNoSecretLeak(t, fb.oauth.issued);
  });

  it("links nothing when Facebook refuses the long-lived exchange: an hour-long token would only fail later", async () => {
    const before = (await t.api("GET", "/api/v1/accounts")).body.length;
    fb.refuseNextExchange = true;
    const { location } = await linkThroughBrowser(t, "facebook", fb.oauth);
    expect(location.searchParams.get("account_error")).toBe("token_exchange_failed");
    expect(t.logs()).toMatch(/Facebook refused to exchange the token for a long-lived one: \(#100\) Invalid fb_exchange_token for this application/);
    expect((await t.api("GET", "/api/v1/accounts")).body).toHaveLength(before);
  });

  it("refuses to link an account that manages no Page, and says what to do", async () => {
    const pages = fb.pages.splice(0);
    try {
      const { location } = await linkThroughBrowser(t, "facebook", fb.oauth);
      expect(location.searchParams.get("account_error")).toBe("identity_failed");
      expect(t.logs()).toMatch(/manages no Page that Prism may use/);
    } finally {
      fb.pages.push(...pages);
    }
  });

  it("the CLI adds a typed-in Facebook destination (RTMPS only) and `prism start --help` names its settings", async () => {
    const cli = (...args: string[]) => runCli(["--url", `http://127.0.0.1:${t.prism.httpPort}`, "--token", t.token, ...args]);
    await t.api("POST", "/api/v1/streams", { name: "Typed" });
    const added = await cli("destination", "add", "Typed", "--platform", "facebook", "--name", "Page", "--server", "rtmps://live-api-s.facebook.com:443/rtmp/", "--key", "FB-1-0-AbCd");
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/^Added "Page" \(.+\) to "Typed": rtmps:\/\/live-api-s\.facebook\.com:443\/rtmp enabled/);
    const plain = await cli("destination", "add", "Typed", "--platform", "facebook", "--name", "Plain", "--server", "rtmp://live-api-s.facebook.com:80/rtmp", "--key", "FB-1-0-AbCd");
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toMatch(/RTMPS only/);
    const help = await runCli(["start", "--help"]);
    for (const name of ["PRISM_FACEBOOK_CLIENT_ID", "PRISM_FACEBOOK_CLIENT_SECRET", "PRISM_FACEBOOK_API_URL", "PRISM_FACEBOOK_PAGE_ID", "PRISM_FACEBOOK_CHAT_POLL_MS"]) expect(help.stdout).toContain(name);
  }, 60_000);

  it("a token Facebook calls dead (code 190) marks the account needs_reconnect, announced once, and fails only its destination", async () => {
    const { location } = await linkThroughBrowser(t, "facebook", fb.oauth);
    const accountId = location.searchParams.get("account")!;
    const announced: Array<PrismEvents["account.needs_reconnect"]> = [];
    t.prism.bus.on("account.needs_reconnect", (e) => announced.push(e));
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Expired" });
    const { body: dest } = await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "facebook", accountId });
    expect(dest).toMatchObject({ platform: "facebook", accountId, url: "", streamKey: "" });

    // The user changed their password: Facebook answers every call with code 190, HTTP 400 (not 401).
    fb.expireTokens();
    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await publisher.publishing).toBe(true);
    const failed = await waitFor(
      async () => {
        const d = (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body.destinations.find((x: { id: string }) => x.id === dest.id);
        return d.state === "failed" ? d : undefined;
      },
      { what: "the Facebook destination failed", timeoutMs: 15_000 },
    );
    expect(failed.lastError).toMatch(/^The Facebook account Alex Rivera must be connected again \(Facebook refused the account's token \(Invalid OAuth access token/);
    expect((await t.api("GET", `/api/v1/accounts/${accountId}`)).body).toMatchObject({ status: "needs_reconnect", statusReason: expect.stringMatching(/Facebook refused/) });
    expect(announced).toEqual([expect.objectContaining({ accountId, platform: "facebook", displayName: FACEBOOK_USER.displayName })]);
    expect([...fb.liveVideos.values()].filter((v) => v.pageId === FACEBOOK_PAGE.id)).toEqual([]);
    await publisher.stop();
  });
});
