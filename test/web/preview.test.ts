import { writeFileSync } from "node:fs";
import { beforeEach, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { usePrism } from "../support/lifecycle.js";
import { waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { makeTempDir } from "../support/tmp.js";
import { find, parseMetrics } from "../support/metrics.js";
import { ARTIFACTS, expectPng, logIn, useBrowser } from "./support.js";

/** The dashboard's preview (thumbnail, live player), kept sparklines, and what a token's scope shows, in Chromium. */
describe("dashboard preview and scopes in a real browser", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p));
  const { consoleErrors, newPage } = useBrowser();
  const base = () => `http://127.0.0.1:${t.prism.httpPort}`;
  const viewers = async (streamId: string) =>
    find(parseMetrics((await t.api("GET", "/metrics")).text), "prism_preview_viewers", { stream_id: streamId })[0]?.value ?? 0;

  beforeEach(() => {
    consoleErrors.length = 0;
  });

  async function liveStream(name: string) {
    const stream = (await t.api("POST", "/api/v1/streams", { name })).body;
    const receiver = await startRtmpReceiver({ dir: await makeTempDir(), name: "one" });
    await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "custom", name: "Receiver", url: receiver.url, streamKey: receiver.key });
    const key = (await t.api("POST", `/api/v1/streams/${stream.id}/reveal-key`)).body.streamKey as string;
    const publisher = publishTestStream({ url: t.publishUrl(key), durationSec: Infinity, size: "640x360" });
    expect(await publisher.publishing).toBe(true);
    await waitFor(async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body.destinations[0]?.state === "live", { timeoutMs: 20_000, what: "destination live" });
    return { stream, publisher };
  }

  const videoState = (page: Page) =>
    // Runs in the page: `v` is its HTMLVideoElement (the tests compile without the DOM's types).
    page.locator("video.player").evaluate((v: any) => ({
      readyState: v.readyState,
      currentTime: v.currentTime,
      latency: v.buffered.length ? v.buffered.end(v.buffered.length - 1) - v.currentTime : null,
      width: v.videoWidth,
    }));

  it("thumbnails on the list and the stream page, the live player plays (and costs nothing until watched), sparklines start from the kept minutes", async () => {
    const { stream } = await liveStream("Preview show");
    // Some seconds of kept bitrate before the page opens.
    const kept = await waitFor(async () => {
      const h = (await t.api("GET", `/api/v1/streams/${stream.id}/health/history`)).body;
      return h.destinations[0]?.samples.length >= 6 && h.destinations[0].samples.length;
    }, { timeoutMs: 20_000, what: "six seconds of history" });

    const page = await newPage();
    await logIn(page, base() + "/", t.token);
    // The list: the stream's card shows its latest keyframe.
    const card = page.locator("article.stream", { hasText: "Preview show" });
    const listThumb = card.locator("img.thumb");
    await listThumb.waitFor({ state: "visible", timeout: 15_000 });
    // Visible is not loaded: its size is known once the JPEG has arrived and decoded.
    const size = await listThumb.evaluate(
      (img: any) =>
        new Promise<number[]>((resolve) => {
          const done = () => resolve([img.naturalWidth, img.naturalHeight]);
          if (img.complete && img.naturalWidth > 0) done();
          else img.addEventListener("load", done, { once: true });
        }),
    );
    expect(size).toEqual([640, 360]);
    await page.screenshot({ path: `${ARTIFACTS}/preview-streams-list.png`, fullPage: true });

    // The stream page: the sparkline starts with what Prism kept, not empty.
    await card.getByRole("link", { name: "Destinations →" }).click();
    const spark = page.locator('article[data-destination="Receiver"] svg.spark polyline');
    const points = async () => ((await spark.getAttribute("points")) ?? "").split(" ").filter(Boolean).length;
    await expect.poll(points, { timeout: 5_000 }).toBeGreaterThanOrEqual(kept);
    const thumb = page.locator("section.preview img.thumb");
    await thumb.waitFor({ state: "visible", timeout: 15_000 });
    // Nobody watches yet: the page has no preview reader open.
    expect(await viewers(stream.id)).toBe(0);

    const clickedAt = Date.now();
    await page.getByRole("button", { name: "▶ Watch live" }).click();
    await expect.poll(async () => (await videoState(page)).readyState, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
    const readyAfterMs = Date.now() - clickedAt;
    const first = await videoState(page);
    await expect.poll(async () => (await videoState(page)).currentTime, { timeout: 10_000 }).toBeGreaterThan(first.currentTime + 1.5);
    const playing = await videoState(page);
    expect(playing.width).toBe(640);
    // A few seconds behind at most: what is buffered ahead of the playhead.
    expect(playing.latency).not.toBeNull();
    expect(playing.latency!).toBeLessThan(3);
    expect(await viewers(stream.id)).toBe(1);
    // Kept as an artifact (a figure for the README, not a timed assertion beyond the bound above).
    writeFileSync(`${ARTIFACTS}/preview-player.json`, JSON.stringify({ ...playing, firstReadyAfterClickMs: readyAfterMs }, null, 2));
    await page.screenshot({ path: `${ARTIFACTS}/preview-player.png`, fullPage: true });
    expectPng(`${ARTIFACTS}/preview-player.png`);

    // Stop: the reader goes with the player.
    await page.getByRole("button", { name: "Stop preview" }).click();
    await waitFor(async () => (await viewers(stream.id)) === 0, { what: "the preview reader gone" });
    expect(consoleErrors).toEqual([]);
  });

  it("a read token sees every control that changes something disabled, with the reason; Tokens and Events pages", async () => {
    const { stream, publisher } = await liveStream("Scoped show");
    await publisher.stop();
    await waitFor(async () => !(await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body.live, { timeoutMs: 30_000, what: "stream ended" });
    const reader = (await t.api("POST", "/api/v1/tokens", { name: "wall screen", scopes: ["read"] })).body;

    // A German browser: times come in its locale.
    const page = await newPage(undefined, [], "de-DE");
    await logIn(page, base() + "/", reader.token);
    await expect.poll(() => page.locator(".scope-notice").textContent()).toMatch(/"wall screen" has the read scope: it cannot change anything \(that needs write\)/);
    expect(await page.getByRole("button", { name: "Create stream" }).isDisabled()).toBe(true);
    const card = page.locator("article.stream", { hasText: "Scoped show" });
    await card.waitFor();
    // Every enabled button on the card only copies what is already shown.
    const enabled = await card.locator("button:enabled").evaluateAll((els) => els.map((e) => e.getAttribute("aria-label") ?? e.textContent));
    expect(enabled).toEqual(["Copy server of Scoped show"]);
    expect(await card.getByRole("button", { name: "Rotate key" }).first().isDisabled()).toBe(true);
    expect(await card.getByRole("button", { name: "Delete" }).isDisabled()).toBe(true);
    expect(await card.locator("fieldset.guard").first().getAttribute("title")).toMatch(/needs write/);
    await page.screenshot({ path: `${ARTIFACTS}/scope-read-streams.png`, fullPage: true });

    await card.getByRole("link", { name: "Destinations →" }).click();
    const dest = page.locator('article[data-destination="Receiver"]');
    await dest.waitFor();
    expect(await dest.getByRole("switch").isDisabled()).toBe(true);
    expect(await dest.getByRole("button", { name: "Remove" }).isDisabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Add destination" }).isDisabled()).toBe(true);
    expect(await page.locator("main button:enabled").count()).toBe(0);
    await page.screenshot({ path: `${ARTIFACTS}/scope-read-destinations.png`, fullPage: true });

    // The chat: sending, filters, modes and the overlay URL need write (or moderate); reading the filtered messages does not.
    await page.goto(`${base()}/#/chat/${stream.id}`);
    await page.getByRole("heading", { name: "Live chat" }).waitFor();
    for (const name of ["Send", "Add filter", "Apply chat modes", "Create overlay URL"]) expect(await page.getByRole("button", { name }).isDisabled(), name).toBe(true);
    expect(await page.locator("main button:enabled").allTextContents()).toEqual(["Show filtered messages"]);
    await page.screenshot({ path: `${ARTIFACTS}/scope-read-chat.png`, fullPage: true });

    // Tokens need admin: said, and nothing to press.
    await page.getByRole("link", { name: "Tokens" }).click();
    await page.getByRole("heading", { name: "API tokens" }).waitFor();
    expect(await page.locator(".scope-notice").textContent()).toMatch(/cannot manage API tokens \(that needs admin\)/);
    expect(await page.getByRole("button", { name: "Create token" }).isDisabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Rotate admin token" }).isDisabled()).toBe(true);

    // The event log, newest first, with times in the browser's locale.
    await page.getByRole("link", { name: "Event log" }).click();
    const rows = page.locator("table.event-log tbody tr");
    await expect.poll(() => rows.count()).toBeGreaterThan(1);
    const logged = (await t.api("GET", "/api/v1/events?limit=50")).body as Array<{ type: string; createdAt: string }>;
    expect(await rows.first().locator(".tag").textContent()).toBe(logged[0]!.type);
    const shownAt = await rows.first().locator("time").textContent();
    expect(shownAt).toMatch(/^\d{2}\.\d{2}\.\d{2}, \d{2}:\d{2}:\d{2}$/);
    expect(shownAt).toBe(await page.evaluate((iso) => new Intl.DateTimeFormat((globalThis as any).navigator.languages, { dateStyle: "short", timeStyle: "medium" }).format(new Date(iso)), logged[0]!.createdAt));
    await page.getByLabel("Type").selectOption("stream.ended");
    await expect.poll(async () => new Set(await rows.locator(".tag").allTextContents())).toEqual(new Set(["stream.ended"]));
    await rows.first().getByRole("button", { name: /Details of stream.ended/ }).click();
    await expect.poll(() => rows.first().locator("pre.event-data").textContent()).toContain(stream.id);
    await page.screenshot({ path: `${ARTIFACTS}/event-log-page.png`, fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  it("Tokens page as admin: create with scopes (shown once), delete with confirmation, rotation explained when it cannot be done", async () => {
    const page = await newPage();
    await logIn(page, base() + "/", t.token);
    await page.getByRole("link", { name: "Tokens" }).click();
    await page.getByLabel("Name").fill("obs laptop");
    await page.getByRole("checkbox", { name: /write:/ }).check();
    await page.getByRole("checkbox", { name: /read:/ }).uncheck();
    await page.getByRole("button", { name: "Create token" }).click();
    const secret = await page.locator("code.secret").textContent();
    const listed = (await t.api("GET", "/api/v1/tokens")).body as Array<{ id: string; name: string; scopes: string[]; hint: string }>;
    const made = listed.find((x) => x.name === "obs laptop")!;
    expect(made.scopes).toEqual(["write"]);
    expect(secret!.endsWith(made.hint)).toBe(true);
    // The token works, with its scope.
    expect((await t.api("GET", "/api/v1/streams", undefined, { token: secret })).status).toBe(200);
    const row = page.locator("table.tokens tr", { hasText: "obs laptop" });
    await row.locator("td", { hasText: `…${made.hint}` }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/tokens-page.png`, fullPage: true });

    await row.getByRole("button", { name: "Delete token obs laptop" }).click();
    await row.getByRole("button", { name: "Yes" }).click();
    await expect.poll(() => page.locator("table.tokens tr", { hasText: "obs laptop" }).count()).toBe(0);
    expect((await t.api("GET", "/api/v1/streams", undefined, { token: secret })).status).toBe(401);

    // This Prism's admin token comes from PRISM_API_TOKEN: the page says why it cannot rotate it.
    await page.getByRole("button", { name: "Rotate admin token" }).click();
    await page.getByRole("button", { name: "Yes" }).click();
    await expect.poll(() => page.locator("section .error").textContent()).toMatch(/PRISM_API_TOKEN/);
    expect(consoleErrors.filter((e) => !e.includes("409"))).toEqual([]);
  });
});
