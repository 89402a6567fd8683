import type { UserV2 } from "twitter-api-v2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream, type Publisher } from "../support/publisher.js";
import { closedPort, releaseClosedPorts } from "../support/ports.js";
import { killAll } from "../support/children.js";
import { startXFake, X_USER, type XFake } from "../fakes/x.js";
import { linkThroughBrowser } from "../oauth/support.js";
import { startXPrism } from "../chat/x-support.js";
import { ARTIFACTS, expectPng, logIn, useBrowser } from "./support.js";

const AMY: UserV2 = { id: "2244994945", name: "Amy", username: "amy_codes" };
const STREAMER: UserV2 = { id: X_USER.id, name: X_USER.displayName, username: X_USER.login };

/**
 * An X destination's chat settings from the Destinations page: the streamer adds the destination
 * from the linked X account, says where its chat comes from (announce mode, the announcement post's
 * address, an Enterprise broadcast id), sees the API's refusals next to the fields, and, live for
 * real, sees a reply posted on the X fake to that post arrive on the Chat page.
 */
describe("X chat settings on the Destinations page, in a real browser", () => {
  const { consoleErrors, newPage } = useBrowser();
  let x: XFake;
  let t: TestPrism;
  let publisher: Publisher | undefined;
  const base = () => `http://127.0.0.1:${t.prism.httpPort}`;

  beforeAll(async () => {
    x = await startXFake();
    t = await startXPrism(x);
  });
  afterAll(async () => {
    await publisher?.stop();
    await t?.stop();
    await x?.close();
    await killAll();
    await releaseClosedPorts();
  });

  it("sets the announcement post from the page (errors in words), and the replies to it reach the Chat page while live", async () => {
    const { location } = await linkThroughBrowser(t, "x", x.oauth);
    const accountId = location.searchParams.get("account")!;
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Speedrun night" });
    const destinations = `/api/v1/streams/${stream.id}/destinations`;

    const page = await newPage();
    await logIn(page, base() + "/", t.token);
    await page.goto(`${base()}/#/streams/${stream.id}`);
    await page.getByRole("heading", { name: "Add a destination" }).waitFor();

    // Added from the linked account; X hands out no key, so the Media Studio URL and key are typed in.
    await page.getByLabel("Linked account").check();
    await page.getByLabel("Account", { exact: true }).selectOption(accountId);
    await page.getByLabel("Name (optional)").fill("X");
    // The ingest refuses: X's video is not what this test looks at, its chat is.
    await page.getByLabel("Server URL").fill(`rtmp://127.0.0.1:${await closedPort()}/x`);
    await page.getByLabel("Stream key").fill("xk-test-key");
    await page.getByRole("button", { name: "Add destination" }).click();
    const card = page.locator('article[data-destination="X"]');
    await card.waitFor();
    const destId = ((await t.api("GET", destinations)).body as Array<{ id: string; name: string }>).find((d) => d.name === "X")!.id;
    const apiX = async () => (await t.api("GET", `${destinations}/${destId}`)).body.x;

    // Nothing set yet: the settings are open and say so.
    const form = card.getByRole("form", { name: "X chat of X" });
    await form.waitFor();
    await card.getByText("not set: Prism reads no X chat").waitFor();
    const save = form.getByRole("button", { name: "Save X chat" });

    // Announce mode, by keyboard: the radio, the text, Enter on Save.
    await form.getByLabel("Post an announcement when I go live").focus();
    await page.keyboard.press("Space");
    await form.getByLabel("Announcement text").fill("Live now: speedrun night! Say hi in the replies");
    await save.focus();
    await page.keyboard.press("Enter");
    await form.getByRole("status").filter({ hasText: "Prism posts the announcement at the next go-live" }).waitFor();
    expect(await apiX()).toEqual({ announcementPostId: null, announcementPostUrl: null, announce: { text: "Live now: speedrun night! Say hi in the replies" }, broadcastId: null });

    // An Enterprise broadcast id X would never give: refused, said next to the field, nothing stored.
    await form.getByText("X Enterprise").click();
    const broadcast = form.getByLabel("Broadcast id (optional)");
    await broadcast.fill("no-dashes!");
    await save.click();
    const broadcastError = form.locator(`#x-broadcast-error-${destId}`);
    await broadcastError.waitFor();
    expect(await broadcastError.textContent()).toMatch(/^must be X's broadcast id: 1 to 13 letters and digits/);
    expect(await broadcast.getAttribute("aria-invalid")).toBe("true");
    expect(await broadcast.getAttribute("aria-describedby")).toContain(`x-broadcast-error-${destId}`);
    await broadcast.fill("");

    // The streamer's own post: a wrong address first, explained next to the field.
    await form.getByLabel("I post the announcement and paste its address").check();
    const postField = form.getByLabel("Announcement post (its address or id)");
    await postField.fill("https://example.com/speedy_streams/status/1861");
    await save.click();
    const postError = form.locator(`#x-post-error-${destId}`);
    await postError.waitFor();
    expect(await postError.textContent()).toMatch(/^example\.com is not X: paste the post's address from x\.com/);
    expect(await postField.getAttribute("aria-describedby")).toContain(`x-post-error-${destId}`);
    expect(await broadcastError.count()).toBe(0);
    expect((await apiX()).announce).not.toBeNull();

    const first = x.chat.post(STREAMER, "Live now: speedrun night");
    await postField.fill(`https://x.com/${STREAMER.username}/status/${first.id}?s=20`);
    await save.click();
    await form.getByRole("status").filter({ hasText: "Prism reads the replies to this post" }).waitFor();
    expect(await postError.count()).toBe(0);
    const firstUrl = `https://x.com/i/web/status/${first.id}`;
    expect(await apiX()).toEqual({ announcementPostId: first.id, announcementPostUrl: firstUrl, announce: null, broadcastId: null });
    // Shown afterwards as a link to the post.
    expect(await form.getByRole("link", { name: `the post ${first.id}` }).getAttribute("href")).toBe(firstUrl);

    // On a phone: nothing wider than the screen, the field and Save still there.
    await page.setViewportSize({ width: 375, height: 812 });
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(375);
    await postField.scrollIntoViewIfNeeded();
    expect((await postField.boundingBox())!.width).toBeGreaterThan(200);
    // The sticky header would cover part of a card taller than the screen. Unstuck through the CSSOM:
    // the dashboard's CSP refuses the <style> Playwright's screenshot `style` option would inject.
    const unstick = (position: string) => page.evaluate(`document.querySelector(".top").style.position = "${position}"`);
    await unstick("static");
    await card.screenshot({ path: `${ARTIFACTS}/dashboard-x-chat-phone.png` });
    await unstick("");
    expectPng(`${ARTIFACTS}/dashboard-x-chat-phone.png`, 10_000);
    await page.setViewportSize({ width: 1280, height: 900 });

    // Live for real: OBS publishes, the X reader opens and polls the fake.
    const key = (await t.api("POST", `/api/v1/streams/${stream.id}/reveal-key`)).body.streamKey as string;
    publisher = publishTestStream({ url: t.publishUrl(key), durationSec: Infinity });
    await waitFor(async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body.live, { timeoutMs: 20_000, what: "the stream live" });
    await page.locator('[data-testid="stream-state"]', { hasText: "live" }).waitFor({ timeout: 10_000 });

    // While live, the streamer switches to a second announcement by its id; the link follows.
    const second = x.chat.post(STREAMER, "Part two: any% glitchless");
    await postField.fill(second.id);
    await save.click();
    const secondUrl = `https://x.com/i/web/status/${second.id}`;
    await form.getByRole("link", { name: `the post ${second.id}` }).waitFor();
    expect(await postField.inputValue()).toBe(secondUrl);
    expect((await apiX()).announcementPostId).toBe(second.id);

    x.chat.post(AMY, "hi from X!", second.id);
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Chat" }).click();
    const feed = page.getByRole("log", { name: "Chat messages" });
    const amy = feed.locator(".msg", { hasText: "hi from X!" });
    await amy.waitFor({ timeout: 15_000 });
    expect(await amy.locator(".author").textContent()).toBe("@amy_codes");
    expect(await amy.locator(".pf").getAttribute("title")).toBe("X");

    // Chrome logs every 4xx answer: the two refused saves, and nothing else.
    const refused = new RegExp(`status of 400 \\(Bad Request\\) \\(http://127\\.0\\.0\\.1:\\d+/api/v1/streams/${stream.id}/destinations/${destId}\\)$`);
    expect(consoleErrors).toEqual([expect.stringMatching(refused), expect.stringMatching(refused)]);
  });
});
