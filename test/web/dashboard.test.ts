import { existsSync, mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { usePrism } from "../support/lifecycle.js";
import type { TestPrism } from "../support/prism.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { makeTempDir } from "../support/tmp.js";
import { startTestPrism } from "../support/prism.js";
import { startTwitchFake } from "../fakes/twitch.js";
import { startHttpReceiver } from "../webhooks/http-receiver.js";

const CHROMIUM = process.env.PRISM_TEST_CHROMIUM ?? "/usr/bin/chromium";
const ARTIFACTS = "test-results";

describe("dashboard in a real browser (Debian's Chromium through playwright-core)", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p));
  let browser: Browser;
  const consoleErrors: string[] = [];
  const base = () => `http://127.0.0.1:${t.prism.httpPort}`;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`No Chromium at ${CHROMIUM}: the dashboard test needs it. Install Debian's package (apt-get update && apt-get install -y chromium; .ci/run does it) or set PRISM_TEST_CHROMIUM.`);
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      // Playwright gives every launch a fresh temporary profile (it refuses --user-data-dir in args).
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function newPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(`${m.text()} (${m.location().url})`);
    });
    page.on("pageerror", (e) => consoleErrors.push(`uncaught: ${e.message}`));
    return page;
  }

  async function logIn(page: Page) {
    await page.goto(base() + "/");
    await page.getByLabel("API token").fill(t.token);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { name: "Streams" }).waitFor();
  }

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
    await page.getByRole("link", { name: "Chat" }).click();
    await page.getByText("Not in this version of the dashboard yet").waitFor();
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByLabel("API token").waitFor();

    expect(consoleErrors).toEqual([]);
  });

  it("Accounts: Connect goes through the platform's consent page and back; Webhooks: add, test-fire, delivery log", async () => {
    const twitch = await startTwitchFake();
    const hookReceiver = await startHttpReceiver();
    const linked = await startTestPrism({ env: { ...twitch.env(), PRISM_WEBHOOK_ALLOW_PRIVATE: "true" } });
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
