import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../support/prism.js";
import { TestChat, goLive, message, startChatPrism, type ChatPrism } from "../comments/support.js";
import { logIn, useBrowser } from "./support.js";

/**
 * A moderator's dashboard: logged in with a `moderate` token, the Chat page is all there is; from it
 * the moderator hides, sends and sets chat modes, and the feed follows. The platform is an
 * in-process test chat (no chat-mode API), so slow mode is Prism's own rule on the feed.
 */
describe("the dashboard for a moderate token, in a real browser", () => {
  const { consoleErrors, newPage } = useBrowser();
  const chat = new TestChat("twitcasting");
  let t: ChatPrism;
  let streamId: string;
  let modToken: string;

  beforeAll(async () => {
    t = await startChatPrism({ twitcasting: chat }, { reorderWindowMs: 0 });
    streamId = (await t.api("POST", "/api/v1/streams", { name: "Mod night" })).body.id;
    const created = await t.api("POST", "/api/v1/tokens", { name: "mod-kana", scopes: ["moderate"] });
    expect(created.status, created.text).toBe(201);
    modToken = created.body.token;
    goLive(t.prism, streamId);
    await waitFor(() => chat.reading, { what: "the chat reader" });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("sees only the Chat page, and hides, sends and sets chat modes from it", async () => {
    const page = await newPage();
    await logIn(page, t.base + "/", modToken, "Live chat");
    // The only stream's chat opens straight away; the navigation has nothing else.
    expect(page.url()).toMatch(new RegExp(`#/chat/${streamId}$`));
    const nav = page.getByRole("navigation", { name: "Sections" });
    expect(await nav.getByRole("link").allTextContents()).toEqual(["Chat"]);
    expect(await page.getByRole("link", { name: "Destinations" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Create overlay URL" }).count()).toBe(0);
    // Another section's address still shows the chat.
    await page.goto(`${t.base}/#/webhooks`);
    await page.getByRole("heading", { name: "Chat" }).first().waitFor();
    expect(await page.getByRole("heading", { name: "Webhooks" }).count()).toBe(0);
    await page.goto(`${t.base}/#/chat/${streamId}`);
    const feed = page.getByRole("log", { name: "Chat messages" });
    await page.getByRole("heading", { name: "Live chat" }).waitFor();

    // Hide.
    chat.push(message("buy followers at spam.example", new Date(Date.now() - 1000), "spammer", "spam-1"));
    const spam = feed.locator(".msg", { hasText: "buy followers" });
    await spam.waitFor();
    await spam.getByRole("button", { name: /Hide this message/ }).click();
    await spam.waitFor({ state: "detached" });
    expect(chat.deleted).toEqual(["spam-1"]);

    // Send.
    await page.getByLabel("Send to every platform").fill("Be nice, everyone");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await page.getByRole("list", { name: "Sent to" }).getByText("Sent to TwitCasting").waitFor();
    expect(chat.sent).toEqual(["Be nice, everyone"]);

    // Chat modes: slow mode, which this platform cannot set, so Prism holds it.
    await page.getByRole("checkbox", { name: "Slow mode" }).check();
    await page.getByLabel("Seconds between messages").fill("20");
    await page.getByRole("button", { name: "Apply chat modes" }).click();
    const results = page.getByRole("list", { name: "Chat modes per platform" });
    await results.getByText("slowSec: by Prism (feed and overlay)").waitFor();
    expect((await t.api("GET", `/api/v1/streams/${streamId}/chat-modes`)).body.modes).toMatchObject({ slowSec: 20, followersOnly: false });

    const t0 = Date.now() - 30_000;
    chat.push(message("first!", new Date(t0), "eager"), message("second!!", new Date(t0 + 2_000), "eager"), message("hi all", new Date(t0 + 3_000), "calm"));
    await feed.locator(".msg", { hasText: "hi all" }).waitFor();
    await feed.locator(".msg", { hasText: "first!" }).waitFor();
    expect(await feed.locator(".msg", { hasText: "second!!" }).count()).toBe(0);

    // After a reload the form shows what is set.
    await page.reload();
    await page.getByRole("heading", { name: "Chat modes" }).waitFor();
    expect(await page.getByRole("checkbox", { name: "Slow mode" }).isChecked()).toBe(true);
    expect(await page.getByLabel("Seconds between messages").inputValue()).toBe("20");
    expect(consoleErrors).toEqual([]);
  });
});
