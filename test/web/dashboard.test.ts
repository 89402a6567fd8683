import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { usePrism } from "../support/lifecycle.js";
import type { TestPrism } from "../support/prism.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { makeTempDir } from "../support/tmp.js";
import { startTestPrism, waitFor } from "../support/prism.js";
import { startTwitchFake, TWITCH_USER } from "../fakes/twitch.js";
import { startHttpReceiver } from "../webhooks/http-receiver.js";
import { ARTIFACTS, logIn as logInAt, useBrowser } from "./support.js";

describe("dashboard in a real browser (Debian's Chromium through playwright-core)", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p));
  const { consoleErrors, newPage } = useBrowser();
  const base = () => `http://127.0.0.1:${t.prism.httpPort}`;
  const logIn = (page: Page) => logInAt(page, base() + "/", t.token);

  it("the session cookie is HttpOnly and SameSite=Strict, and changes need the CSRF header", async () => {
    const bad = await fetch(base() + "/session", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: "wrong" }) });
    expect(bad.status).toBe(401);
    const res = await fetch(base() + "/session", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: t.token }) });
    expect(res.status).toBe(200);
    const cookies = res.headers.getSetCookie();
    const session = cookies.find((c) => c.startsWith("prism_session="))!;
    const csrfCookie = cookies.find((c) => c.startsWith("prism_csrf="))!;
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Strict/i);
    expect(session).not.toMatch(/Secure/i); // plain HTTP here; over HTTPS it is Secure
    expect(csrfCookie).not.toMatch(/HttpOnly/i);
    const csrf = /^prism_csrf=([^;]+)/.exec(csrfCookie)![1]!;
    const cookie = [session, csrfCookie].map((c) => c.split(";")[0]).join("; ");

    expect((await fetch(base() + "/api/v1/streams", { headers: { cookie } })).status).toBe(200);
    const post = (headers: Record<string, string>) =>
      fetch(base() + "/api/v1/streams", { method: "POST", headers: { cookie, "content-type": "application/json", ...headers }, body: JSON.stringify({ name: "csrf" }) });
    expect((await post({})).status).toBe(403);
    expect((await post({ "x-csrf-token": "x".repeat(csrf.length) })).status).toBe(403);
    const ok = await post({ "x-csrf-token": csrf });
    expect(ok.status).toBe(201);
    // No cookie, no token: still 401 as before.
    expect((await fetch(base() + "/api/v1/streams")).status).toBe(401);
    await t.api("DELETE", `/api/v1/streams/${((await ok.json()) as { id: string }).id}`);
  });

  it("log in, create a stream, add two receivers, go live, watch both turn live and one fail, without reloading", async () => {
    const dir = await makeTempDir("prism-web-");
    const [r1, r2] = await Promise.all([startRtmpReceiver({ dir, name: "one" }), startRtmpReceiver({ dir, name: "two" })]);
    const page = await newPage();
    await logIn(page);

    await page.getByLabel("New stream").fill("Friday show");
    await page.getByRole("button", { name: "Create stream" }).click();
    const card = page.locator("article.stream", { hasText: "Friday show" });
    await card.waitFor();
    // The key is masked until revealed.
    const streams = (await t.api("GET", "/api/v1/streams")).body as Array<{ id: string; name: string }>;
    const stream = streams.find((s) => s.name === "Friday show")!;
    const key = (await t.api("POST", `/api/v1/streams/${stream.id}/reveal-key`)).body.streamKey as string;
    await expect.poll(() => card.locator("code.key").textContent()).not.toBe(key);
    await card.getByRole("button", { name: "Show stream key" }).click();
    await expect.poll(() => card.locator("code.key").textContent()).toBe(key);
    expect(await card.getByRole("button", { name: "Show stream key" }).getAttribute("aria-pressed")).toBe("true");
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-streams.png`, fullPage: true });

    await card.getByRole("link", { name: /Destinations/ }).click();
    await page.getByRole("heading", { name: "Add a destination" }).waitFor();
    for (const [name, r] of [["Receiver one", r1!], ["Receiver two", r2!]] as const) {
      await page.getByLabel("Name").fill(name);
      await page.getByLabel("Server URL").fill(r.url);
      await page.getByLabel("Stream key").fill(r.key);
      await page.getByRole("button", { name: "Add destination" }).click();
      await page.locator(`article[data-destination="${name}"]`).waitFor();
    }
    const badge = (name: string) => page.locator(`article[data-destination="${name}"] [data-testid="state"]`);
    expect(await badge("Receiver one").textContent()).toBe("idle");
    const urlBefore = page.url();

    const publisher = publishTestStream({ url: t.publishUrl(key), durationSec: Infinity });
    await expect.poll(() => badge("Receiver one").textContent(), { timeout: 20_000 }).toBe("live");
    await expect.poll(() => badge("Receiver two").textContent(), { timeout: 20_000 }).toBe("live");
    await expect.poll(() => page.locator('[data-testid="stream-state"]').textContent(), { timeout: 5_000 }).toBe("live");
    // Both encoders are listed; the primary is on air, no backup is publishing.
    await expect.poll(() => page.locator('[data-testid="encoder-primary"] .badge').textContent(), { timeout: 5_000 }).toBe("on air");
    expect(await page.locator('[data-testid="encoder-backup"] .badge').textContent()).toBe("not connected");
    // A few seconds of sparkline and figures.
    await expect.poll(async () => Number((await page.locator('article[data-destination="Receiver one"] .metrics dd').first().textContent())?.split(" ")[0]), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.waitForTimeout(3_000);
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-live.png`, fullPage: true });

    // One receiver goes away: its badge changes, the other stays live.
    r2!.process.kill("SIGKILL");
    await expect.poll(() => badge("Receiver two").textContent(), { timeout: 20_000 }).toMatch(/reconnecting|failed|connecting/);
    expect(await badge("Receiver one").textContent()).toBe("live");
    await expect.poll(() => page.locator('article[data-destination="Receiver two"] .last-error').count(), { timeout: 15_000 }).toBe(1);
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-receiver-gone.png`, fullPage: true });

    // The switch acts while live: disabling Receiver two stops it.
    await page.locator('article[data-destination="Receiver two"]').getByRole("switch").uncheck();
    await expect.poll(() => badge("Receiver two").textContent(), { timeout: 10_000 }).toBe("off");
    expect(page.url()).toBe(urlBefore); // never reloaded or navigated away

    // On a phone.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-phone.png`, fullPage: true });
    await publisher.stop();

    // The other pages render from the API.
    await page.getByRole("link", { name: "Accounts" }).click();
    await page.getByRole("heading", { name: "Twitch" }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-accounts-phone.png`, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole("link", { name: "Webhooks" }).click();
    await page.getByRole("heading", { name: "Add a webhook" }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-webhooks.png`, fullPage: true });
    // The only stream's chat opens straight away.
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Chat" }).click();
    await page.getByRole("heading", { name: "Live chat" }).waitFor();
    expect(page.url()).toMatch(new RegExp(`#/chat/${stream.id}$`));
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByLabel("API token").waitFor();

    expect(consoleErrors).toEqual([]);
  });

  it("Accounts: Connect goes through the platform's consent page and back, a refused refresh is highlighted and Reconnect fixes it; Webhooks: add, test-fire, delivery log", async () => {
    const twitch = await startTwitchFake();
    const hookReceiver = await startHttpReceiver();
    // A refresh margin beyond the token's life makes every background check refresh, so a revoked grant shows at once.
    const linked = await startTestPrism({
      env: { ...twitch.env(), PRISM_WEBHOOK_ALLOW_PRIVATE: "true", PRISM_OAUTH_REFRESH_MARGIN_SECONDS: "86400", PRISM_OAUTH_REFRESH_CHECK_SECONDS: "0.3" },
    });
    try {
      const platforms = (await linked.api("GET", "/api/v1/accounts/platforms")).body as Array<{ platform: string; redirectUri: string }>;
      twitch.oauth.redirectUris.add(platforms.find((p) => p.platform === "twitch")!.redirectUri);
      const page = await newPage();
      await page.goto(`http://127.0.0.1:${linked.prism.httpPort}/#/accounts`);
      await page.getByLabel("API token").fill(linked.token);
      await page.getByRole("button", { name: "Log in" }).click();
      const card = page.locator("article", { has: page.getByRole("heading", { name: "Twitch" }) });
      await card.getByRole("button", { name: "Connect" }).click();
      await page.getByText("twitch account connected.").waitFor({ timeout: 10_000 });
      await card.getByText("connected", { exact: true }).waitFor();
      expect(page.url()).toMatch(/\/#\/accounts$/);
      await page.screenshot({ path: `${ARTIFACTS}/dashboard-accounts-linked.png`, fullPage: true });

      // "Cancel" on Twitch's consent page: back on Accounts, told so in words, nothing linked.
      twitch.oauth.denyNext = true;
      await card.getByRole("button", { name: "Connect another" }).click();
      await page.getByText("You cancelled linking Twitch; nothing was changed.", { exact: false }).waitFor({ timeout: 10_000 });
      expect(((await linked.api("GET", "/api/v1/accounts")).body as unknown[]).length).toBe(1);

      // The streamer removes Prism's access on Twitch: the next refresh is refused.
      twitch.oauth.revokeUser(TWITCH_USER.id);
      await waitFor(async () => ((await linked.api("GET", "/api/v1/accounts")).body as Array<{ status: string }>)[0]?.status === "needs_reconnect", { what: "needs_reconnect" });
      await page.reload();
      const flagged = card.locator("li.needs-reconnect");
      await flagged.getByText("needs reconnect").waitFor();
      await flagged.getByText("Twitch refused to refresh the access token").waitFor();
      // Highlighted, not just worded: a coloured frame around the row.
      expect(await flagged.evaluate((el: any) => el.ownerDocument.defaultView.getComputedStyle(el).borderTopStyle)).toBe("solid");
      await page.screenshot({ path: `${ARTIFACTS}/dashboard-accounts-needs-reconnect.png`, fullPage: true });
      await flagged.getByRole("button", { name: "Reconnect" }).click();
      await page.getByText("twitch account connected.").waitFor({ timeout: 10_000 });
      await card.getByText("connected", { exact: true }).waitFor();
      expect(await card.locator("li.needs-reconnect").count()).toBe(0);

      await page.getByRole("link", { name: "Webhooks" }).click();
      await page.getByLabel("URL").fill(hookReceiver.url);
      await page.getByLabel("Description (optional)").fill("Discord via Zapier");
      await page.getByRole("button", { name: "Add webhook" }).click();
      await page.getByText("Its signing secret, shown only now").waitFor();
      const hook = page.locator("article", { hasText: "Discord via Zapier" });
      await hook.getByRole("button", { name: "Send test event" }).click();
      await hook.locator("table.deliveries .badge", { hasText: "delivered" }).waitFor({ timeout: 10_000 });
      expect(hookReceiver.requests.length).toBeGreaterThanOrEqual(1);
      await page.screenshot({ path: `${ARTIFACTS}/dashboard-webhooks-log.png`, fullPage: true });
      expect(consoleErrors).toEqual([]);
    } finally {
      await linked.stop();
      await twitch.close();
      await hookReceiver.close();
    }
  });
});
