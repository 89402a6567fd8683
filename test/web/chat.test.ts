import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Locator, Page } from "playwright-core";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream, type Publisher } from "../support/publisher.js";
import { startRtmpReceiver, type RtmpReceiver } from "../support/receiver.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";
import { killAll } from "../support/children.js";
import { startTwitCastingFake, type TwitCastingFake } from "../fakes/twitcasting.js";
import { viewer } from "../fakes/twitcasting-chat.js";
import { linkThroughBrowser } from "../oauth/support.js";
import { ARTIFACTS, expectPng, logIn, useBrowser } from "./support.js";

/**
 * The Chat page against the real path: a viewer comments on the TwitCasting fake, Prism's TwitCasting
 * reader (opened because a real ffmpeg publish made the stream live) polls it, the feed merges it and
 * the page receives it over SSE. Moderation from the page reaches the feed, the overlay and the platform.
 */
describe("dashboard Chat page in a real browser", () => {
  const { consoleErrors, newPage } = useBrowser();
  let tc: TwitCastingFake;
  let t: TestPrism;
  let receiver: RtmpReceiver;
  let publisher: Publisher;
  let streamId: string;
  let movie: string;
  const base = () => `http://127.0.0.1:${t.prism.httpPort}`;

  beforeAll(async () => {
    tc = await startTwitCastingFake();
    receiver = await startRtmpReceiver({ dir: await makeTempDir("prism-web-chat-") });
    // TwitCasting hands out a real local RTMP server as the ingest, so the destination really goes live.
    tc.rtmp.url = receiver.url;
    tc.rtmp.streamKey = receiver.key;
    t = await startTestPrism({ env: { ...tc.env(), PRISM_CHAT_REORDER_MS: "0" } });
    const { location } = await linkThroughBrowser(t, "twitcasting", tc.oauth);
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Chat night" });
    streamId = stream.id;
    const dest = await t.api("POST", `/api/v1/streams/${streamId}/destinations`, { platform: "twitcasting", accountId: location.searchParams.get("account") });
    expect(dest.status, dest.text).toBe(201);
    movie = tc.chat.startMovie();
    const key = (await t.api("POST", `/api/v1/streams/${streamId}/reveal-key`)).body.streamKey as string;
    publisher = publishTestStream({ url: t.publishUrl(key), durationSec: Infinity });
    await waitFor(async () => (await t.api("GET", `/api/v1/streams/${streamId}/health`)).body.live, { timeoutMs: 20_000, what: "the stream live" });
  });
  afterAll(async () => {
    await publisher?.stop();
    await t?.stop();
    await tc?.close();
    await killAll();
    await removeTempDirs();
  });

  // The reader polls TwitCasting every 4 s: a message takes up to that to arrive.
  const ARRIVES = { timeout: 20_000 };
  const say = (id: string, name: string, text: string) => tc.chat.comment(movie, viewer(id, name), text);
  const row = (where: Page | Locator, text: string) => where.locator(".msg", { hasText: text });

  it("shows viewers' messages live, moderates them out of the feed and the overlay, sends to the platform, and fits a phone", async () => {
    const page = await newPage({ width: 1280, height: 900 }, ["clipboard-read", "clipboard-write"]);
    await logIn(page, base() + "/", t.token);

    say("100001", "Hanako", "こんばんは");
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Chat" }).click();
    // The only stream's chat opens straight away.
    await page.getByRole("heading", { name: "Live chat" }).waitFor();
    expect(page.url()).toMatch(new RegExp(`#/chat/${streamId}$`));
    const feed = page.getByRole("log", { name: "Chat messages" });
    await row(feed, "こんばんは").waitFor(ARRIVES);
    const hanako = row(feed, "こんばんは");
    expect(await hanako.locator(".author").textContent()).toBe("Hanako");
    expect(await hanako.locator(".pf").getAttribute("title")).toBe("TwitCasting");
    expect(await hanako.locator(".author").getAttribute("style")).toMatch(/color/);

    // The overlay URL: made on request, shown once, copied, previewed.
    await page.getByRole("button", { name: "Create overlay URL" }).click();
    await page.getByRole("button", { name: "Yes" }).click();
    const overlayInput = page.getByLabel(/Overlay URL/);
    await overlayInput.waitFor();
    const overlayUrl = await overlayInput.inputValue();
    expect(overlayUrl).toMatch(/\/overlay\/chat\/[^/]+$/);
    await page.getByRole("button", { name: "Copy overlay URL" }).click();
    await expect.poll(() => page.evaluate("navigator.clipboard.readText()")).toBe(overlayUrl);
    const preview = page.frameLocator('iframe[title="Overlay preview"]');
    const overlay = await newPage({ width: 600, height: 500 });
    await overlay.goto(base() + new URL(overlayUrl).pathname);
    // An overlay shows what arrives after its feed connects (no history on air): give both EventSources a moment.
    await overlay.waitForTimeout(500);

    say("100002", "Taro", "わこつ");
    say("100003", "Spammer", "buy followers at spam.example");
    for (const where of [feed, overlay.locator("#chat")]) {
      await row(where, "わこつ").waitFor(ARRIVES);
      await row(where, "buy followers").waitFor(ARRIVES);
    }
    await row(preview.locator("#chat"), "わこつ").waitFor(ARRIVES);

    // Hide, with the keyboard: gone from the page and the overlay, and deleted on TwitCasting.
    const taroId = tc.chat.movies.get(movie)!.comments.find((c) => c.message === "わこつ")!.id;
    await row(feed, "わこつ").getByRole("button", { name: "Hide this message from Taro" }).focus();
    await page.keyboard.press("Enter");
    await row(feed, "わこつ").waitFor({ state: "detached" });
    await row(overlay.locator("#chat"), "わこつ").waitFor({ state: "detached" });
    await page.getByRole("status").filter({ hasText: "Hidden from the feed and the overlay" }).waitFor();
    expect(tc.chat.deleted).toContain(taroId);

    // Block: asks first, then every message of the author leaves, and new ones never show.
    await row(feed, "buy followers").getByRole("button", { name: "Block Spammer" }).click();
    await page.getByRole("group", { name: "Block Spammer on TwitCasting?" }).getByRole("button", { name: "Yes" }).click();
    await row(feed, "buy followers").waitFor({ state: "detached" });
    await row(overlay.locator("#chat"), "buy followers").waitFor({ state: "detached" });
    const blocked = page.getByRole("region", { name: "Blocked authors" });
    await blocked.getByText("Spammer").waitFor();

    // A word filter: matching messages from now on stay out; the message after it proves the feed moved on.
    await page.getByLabel("Match").selectOption("word");
    await page.getByLabel("Filter", { exact: true }).fill("spoiler");
    await page.getByRole("button", { name: "Add filter" }).click();
    const filters = page.getByRole("region", { name: "Filters" });
    await filters.locator("code", { hasText: "spoiler" }).waitFor();
    // A regex the server refuses is explained in words.
    await page.getByLabel("Match").selectOption("regex");
    await page.getByLabel("Filter", { exact: true }).fill("(a+)+");
    await page.getByRole("button", { name: "Add filter" }).click();
    await filters.getByRole("alert").waitFor();

    say("100003", "Spammer", "still here, buy followers");
    say("100004", "Jiro", "huge SPOILER: the ending");
    say("100005", "Saburo", "clean message after the filter");
    for (const where of [feed, overlay.locator("#chat")]) await row(where, "clean message after the filter").waitFor(ARRIVES);
    for (const where of [feed, overlay.locator("#chat")]) {
      expect(await row(where, "SPOILER").count()).toBe(0);
      expect(await row(where, "still here").count()).toBe(0);
    }
    // The filtered message is kept for review, with the filter that caught it.
    await filters.getByRole("button", { name: "Show filtered messages" }).click();
    await filters.getByRole("list", { name: "Filtered messages" }).getByText('huge SPOILER: the ending (word filter "spoiler")').waitFor();

    // Send to every platform: the result per platform, and the message on TwitCasting.
    await page.getByLabel("Send to every platform").fill("ありがとう!");
    await page.keyboard.press("Enter");
    await page.getByRole("list", { name: "Sent to" }).getByText("Sent to TwitCasting").waitFor();
    expect(tc.chat.movies.get(movie)!.comments.map((c) => c.message)).toContain("ありがとう!");
    expect(await page.getByLabel("Send to every platform").inputValue()).toBe("");

    // The header is sticky: from the top, so a full-page capture does not draw it across the middle.
    await page.evaluate("window.scrollTo(0, 0)");
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-chat.png`, fullPage: true });
    // The overlay is transparent; OBS lays it over the scene, so the artifact shows it over a dark one
    // (set through the CSSOM: the overlay's CSP refuses an injected <style>).
    await overlay.evaluate('document.documentElement.style.background = "#1f2228"');
    await overlay.screenshot({ path: `${ARTIFACTS}/overlay.png` });
    expectPng(`${ARTIFACTS}/dashboard-chat.png`, 20_000);
    expectPng(`${ARTIFACTS}/overlay.png`, 5_000);

    // Filters and blocks can be undone from the page.
    await filters.getByRole("button", { name: "Remove filter spoiler" }).click();
    await filters.locator("code", { hasText: "spoiler" }).waitFor({ state: "detached" });
    await blocked.getByRole("button", { name: "Unblock Spammer" }).click();
    await blocked.getByText("Nobody is blocked.").waitFor();
    expect((await t.api("GET", `/api/v1/streams/${streamId}/chat-blocks`)).body).toEqual([]);

    // On a phone: nothing wider than the screen, and the feed and send box still there.
    await page.setViewportSize({ width: 375, height: 812 });
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(375);
    await page.getByLabel("Send to every platform").waitFor();
    await page.evaluate("window.scrollTo(0, 0)");
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-chat-phone.png`, fullPage: true });
    expectPng(`${ARTIFACTS}/dashboard-chat-phone.png`, 10_000);

    // A new overlay URL asks first and retires the old one (the overlay in "OBS" is closed first: its reconnects would 404).
    await overlay.close();
    await page.getByRole("button", { name: "Make a new URL (the old one stops working)" }).click();
    await page.getByRole("button", { name: "Yes" }).click();
    await expect.poll(() => overlayInput.inputValue()).not.toBe(overlayUrl);
    expect((await fetch(base() + new URL(overlayUrl).pathname)).status).toBe(404);

    // Chrome logs every 4xx answer, so the refused regex is there; nothing else may be.
    expect(consoleErrors).toEqual([expect.stringMatching(/status of 400 \(Bad Request\) \(http:\/\/127\.0\.0\.1:\d+\/api\/v1\/streams\/[^/]+\/chat-filters\)$/)]);
  });
});
