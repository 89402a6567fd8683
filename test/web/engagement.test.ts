import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { goLive, startChatPrism, TestChat, type ChatPrism } from "../comments/support.js";
import { ARTIFACTS, expectPng, logIn, useBrowser } from "./support.js";

/**
 * Engagement events on the chat overlay and the dashboard's Chat page, in Chromium (issue #17 part 2):
 * a Super Chat, a cheer and a raid are shown apart from plain chat, with their amounts. The feed's
 * input is an in-process platform chat; the platforms' own paths are test/audience/engagement.test.ts.
 */
describe("engagement events in the overlay and the Chat page", () => {
  const { consoleErrors, newPage } = useBrowser();
  const chats = { youtube: new TestChat("youtube"), twitch: new TestChat("twitch") };
  let t: ChatPrism;
  let streamId: string;

  beforeAll(async () => {
    t = await startChatPrism(chats, { reorderWindowMs: 0 });
    streamId = (await t.api("POST", "/api/v1/streams", { name: "Engagement night" })).body.id;
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("shows a Super Chat, a cheer and a raid apart from plain chat, with their amounts", async () => {
    const overlayUrl = (await t.api("POST", `/api/v1/streams/${streamId}/overlay-token`)).body.overlayUrl as string;
    goLive(t.prism, streamId);
    const overlay = await newPage({ width: 600, height: 400 });
    await overlay.goto(t.base + new URL(overlayUrl).pathname);
    const page = await newPage();
    await logIn(page, t.base + "/", "test-admin-token-0123456789abcdef");
    await page.goto(`${t.base}/#/chat/${streamId}`);
    await page.getByRole("heading", { name: /Chat/ }).first().waitFor();
    // Both EventSources connect before anything is said (an overlay shows what arrives after it connects).
    await overlay.waitForTimeout(500);

    const at = new Date();
    chats.youtube.push({ platformMessageId: "sc1", author: { id: "UCfan", name: "Yuki", badges: [] }, text: "great run!", sentAt: at, kind: "paid", amount: { value: 5, currency: "USD" } });
    chats.twitch.push(
      { platformMessageId: "ch1", author: { id: "90001", name: "Mika_Plays", badges: [] }, text: "Cheer100 clean skip", sentAt: at, kind: "paid", amount: { value: 100, currency: "BITS" } },
      { platformMessageId: "rd1", author: { id: "31415926", name: "Friendly_Raider", badges: [] }, text: "raided with 42 viewers", sentAt: at, kind: "raid" },
      { platformMessageId: "m1", author: { id: "90003", name: "Plain", badges: [] }, text: "just chatting", sentAt: at },
    );

    const chat = overlay.locator("#chat");
    const row = (text: string) => chat.locator(".msg", { hasText: text });
    await row("just chatting").waitFor({ timeout: 10_000 });
    expect(await row("great run!").getAttribute("class")).toBe("msg engagement kind-paid");
    expect(await row("great run!").locator(".amount").textContent()).toBe("$5.00");
    expect(await row("Cheer100").locator(".amount").textContent()).toBe("100 bits");
    expect(await row("raided with 42 viewers").getAttribute("class")).toBe("msg engagement kind-raid");
    expect(await row("just chatting").getAttribute("class")).toBe("msg");
    expect(await row("just chatting").locator(".amount").count()).toBe(0);
    // Shown apart: an engagement row has its own background, a plain one none.
    const background = (text: string) => row(text).evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor);
    expect(await background("just chatting")).toBe("rgba(0, 0, 0, 0)");
    expect(await background("great run!")).not.toBe("rgba(0, 0, 0, 0)");
    await overlay.screenshot({ path: `${ARTIFACTS}/overlay-engagement.png` });
    expectPng(`${ARTIFACTS}/overlay-engagement.png`, 2_000);

    // The dashboard's Chat page labels them too.
    const feedRow = (text: string) => page.locator(".msg", { hasText: text });
    await feedRow("great run!").waitFor({ timeout: 10_000 });
    expect(await feedRow("great run!").locator(".kind-badge").textContent()).toBe("Paid");
    expect(await feedRow("great run!").locator(".amount").textContent()).toBe("$5.00");
    expect(await feedRow("raided with 42 viewers").locator(".kind-badge").textContent()).toBe("Raid");
    expect(await feedRow("just chatting").locator(".kind-badge").count()).toBe(0);
    await page.screenshot({ path: `${ARTIFACTS}/chat-engagement.png` });
    expectPng(`${ARTIFACTS}/chat-engagement.png`);
    expect(consoleErrors).toEqual([]);
  }, 60_000);
});
