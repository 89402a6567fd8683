import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { usePrism } from "../support/lifecycle.js";
import { waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { makeTempDir } from "../support/tmp.js";
import { ARTIFACTS, expectPng, logIn, useBrowser } from "./support.js";

/** Records every browser notification the page makes (the real ones are still made). Runs in the page. */
const RECORD_NOTIFICATIONS = `
  const Real = window.Notification;
  window.__notifications = [];
  window.Notification = class extends Real {
    constructor(title, options) {
      super(title, options);
      window.__notifications.push({ title, body: options?.body });
    }
  };
`;

describe("the cockpit in Chromium: the ingest state with its countdown, and alerts", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p), { PRISM_INGEST_STALL_MS: "1500", PRISM_DESTINATION_FAILED_AFTER_MS: "2000", PRISM_INGEST_PRIMARY_STEADY_SEC: "60" });
  const { consoleErrors, newPage } = useBrowser();

  const notifications = (page: Page) => page.evaluate("window.__notifications") as Promise<Array<{ title: string; body?: string }>>;
  const banner = (page: Page) => page.locator('section[aria-label="Ingest state"]');

  it("live → stalled (slate, countdown) → live → backup → slate counting down → offline, with a notification for each loss", async () => {
    const dir = await makeTempDir("prism-cockpit-");
    const receiver = await startRtmpReceiver({ dir });
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Cockpit" });
    await t.api("PATCH", `/api/v1/streams/${stream.id}`, { slate: { enabled: true, maxSeconds: 20 } });
    await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "custom", name: "Receiver", url: receiver.url, streamKey: receiver.key });

    const page = await newPage({ width: 1280, height: 900 }, ["notifications"]);
    await page.addInitScript({ content: RECORD_NOTIFICATIONS });
    await logIn(page, `http://127.0.0.1:${t.prism.httpPort}/`, t.token);
    await page.getByText("● Alerts on").waitFor();
    await page.getByLabel("Sound").check();
    await page.goto(`http://127.0.0.1:${t.prism.httpPort}/#/streams/${stream.id}`);
    await banner(page).locator('[data-testid="stream-state"]', { hasText: "offline" }).waitFor();
    expect(await banner(page).getAttribute("class")).toContain("off");

    const primary = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await primary.publishing).toBe(true);
    await banner(page).locator('[data-testid="stream-state"]', { hasText: "live" }).waitFor({ timeout: 15_000 });
    expect(await banner(page).textContent()).toContain("Live from OBS");
    await page.locator('article[data-destination="Receiver"] [data-testid="state"]', { hasText: "live" }).waitFor({ timeout: 15_000 });

    // OBS hangs with its connection open: stalled, the slate, and when the stream ends.
    primary.freeze();
    await banner(page).locator('[data-testid="stream-state"]', { hasText: "stalled" }).waitFor({ timeout: 10_000 });
    expect(await banner(page).getAttribute("class")).toContain("alert");
    expect(await page.getByTestId("ingest-headline").textContent()).toBe("OBS is connected but sends nothing — showing the slate");
    expect(await page.getByTestId("ingest-next").textContent()).toMatch(/^The stream ends in 0:[0-2]\d unless it sends again\.$/);
    expect(await page.getByTestId("ingest-countdown").textContent()).toMatch(/^0:[0-2]\d$/);
    await page.screenshot({ path: `${ARTIFACTS}/cockpit-stalled.png`, fullPage: true });
    await expect.poll(() => notifications(page), { timeout: 10_000 }).toContainEqual({ title: "Ingest lost: Cockpit", body: expect.stringMatching(/^The primary encoder is connected but sent nothing for 1\.5 s\. Showing the slate; the stream ends at .* unless it comes back\.$/) });
    expect(await page.getByTestId("alert").first().getAttribute("data-sound")).toBe("on");
    primary.thaw();
    await banner(page).locator('[data-testid="stream-state"]', { hasText: "live" }).waitFor({ timeout: 15_000 });

    // A backup encoder stands by; OBS goes: the backup carries the stream, in words.
    const backup = publishTestStream({ url: t.publishUrl(stream.backupStreamKey), durationSec: Infinity, color: "0x2040C0" });
    expect(await backup.publishing).toBe(true);
    await page.locator('[data-testid="encoder-backup"] .badge', { hasText: "standby" }).waitFor({ timeout: 10_000 });
    primary.process.kill("SIGKILL");
    await banner(page).locator('[data-testid="stream-state"]', { hasText: "backup" }).waitFor({ timeout: 15_000 });
    expect(await banner(page).getAttribute("class")).toContain("warn");
    expect(await page.getByTestId("ingest-headline").textContent()).toBe("OBS is gone or silent — destinations get the backup encoder");
    await page.screenshot({ path: `${ARTIFACTS}/cockpit-backup.png`, fullPage: true });

    // The destination goes away for longer than PRISM_DESTINATION_FAILED_AFTER_MS: notified with the reason.
    await receiver.stop(0);
    receiver.process.kill("SIGKILL");
    await expect.poll(() => notifications(page), { timeout: 20_000 }).toContainEqual({ title: "Receiver failed (Cockpit)", body: expect.stringMatching(/closed the connection|Could not connect/) });

    // The backup goes too: the slate, counting down to the end of the stream.
    const lostBefore = (await notifications(page)).filter((n) => n.title === "Ingest lost: Cockpit").length;
    backup.process.kill("SIGKILL");
    await banner(page).locator('[data-testid="stream-state"]', { hasText: "slate" }).waitFor({ timeout: 10_000 });
    expect(await page.getByTestId("ingest-headline").textContent()).toBe("OBS is gone — showing the slate");
    const seconds = async () => {
      const text = await page.getByTestId("ingest-countdown").textContent();
      const [m, s] = text!.split(":").map(Number);
      return m! * 60 + s!;
    };
    const first = await seconds();
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(20);
    expect(await page.getByTestId("ingest-next").textContent()).toMatch(/^The stream ends in 0:[0-2]\d unless it comes back\.$/);
    await page.screenshot({ path: `${ARTIFACTS}/cockpit-slate.png`, fullPage: true });
    expectPng(`${ARTIFACTS}/cockpit-slate.png`);
    await expect.poll(seconds, { timeout: 10_000 }).toBeLessThan(first);
    await expect.poll(async () => (await notifications(page)).filter((n) => n.title === "Ingest lost: Cockpit").length, { timeout: 10_000 }).toBe(lostBefore + 1);

    // Time is up: the stream ended, and the page says so.
    await banner(page).locator('[data-testid="stream-state"]', { hasText: "offline" }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: `${ARTIFACTS}/cockpit-offline.png`, fullPage: true });
    // Each loss was told once: no notification for anything else (the receiver is not announced twice).
    const titles = (await notifications(page)).map((n) => n.title);
    expect(titles.filter((x) => x === "Receiver failed (Cockpit)")).toHaveLength(1);
    expect(consoleErrors).toEqual([]);
  }, 150_000);

  it("the Chat page of an offline stream says the stream is offline, and a 15 s slate reads 15 s", async () => {
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Quiet" });
    await t.api("PATCH", `/api/v1/streams/${stream.id}`, { slate: { maxSeconds: 15 } }).then((r) => expect(r.status, r.text).toBe(200));
    const page = await newPage();
    await logIn(page, `http://127.0.0.1:${t.prism.httpPort}/`, t.token);
    const card = page.getByRole("article", { name: "Quiet" });
    await card.getByText("up to 15 s").waitFor();
    expect(await card.textContent()).not.toContain("0.3 min");
    await page.goto(`http://127.0.0.1:${t.prism.httpPort}/#/chat/${stream.id}`);
    await page.getByTestId("chat-stream-state").waitFor();
    expect(await page.getByTestId("chat-stream-state").textContent()).toBe("stream offline");
    expect(await page.locator(".chat").textContent()).not.toContain("● live");
    await page.screenshot({ path: `${ARTIFACTS}/cockpit-chat-offline.png`, fullPage: true });
  });
});
