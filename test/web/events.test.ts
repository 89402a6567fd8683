import { afterAll, describe, expect, it } from "vitest";
import { usePrism } from "../support/lifecycle.js";
import type { TestPrism } from "../support/prism.js";
import { startTwitchFake, TWITCH_USER, type TwitchFake } from "../fakes/twitch.js";
import { linkThroughBrowser } from "../oauth/support.js";
import { logIn, useBrowser } from "./support.js";
import { makeTempDir } from "../support/tmp.js";
import { makeClip, uploadedClip } from "../support/clip.js";

/** The Events page, driven in Chromium: plan an event, see each platform's answer, edit it, cancel it. */
describe("dashboard Events page in a real browser", () => {
  let t!: TestPrism;
  let twitch: TwitchFake;
  usePrism(
    (p) => (t = p),
    async () => {
      twitch = await startTwitchFake();
      return twitch.env();
    },
  );
  afterAll(() => twitch?.close());
  const { consoleErrors, newPage } = useBrowser();

  it("plans an event with the form, shows what Twitch answered, edits and cancels it", async () => {
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Show" });
    const { location } = await linkThroughBrowser(t, "twitch", twitch.oauth);
    await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "twitch", accountId: location.searchParams.get("account") });

    const page = await newPage();
    await logIn(page, `http://127.0.0.1:${t.prism.httpPort}/`, t.token);
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Events" }).click();
    // One stream: straight to its events.
    await page.getByRole("heading", { name: "Events of Show" }).waitFor();
    expect(page.url()).toMatch(new RegExp(`#/events/${stream.id}$`));

    await page.getByLabel("Title").fill("Friday speedrun");
    await page.getByLabel("Starts").fill("2099-06-06T19:00");
    await page.getByRole("button", { name: "Plan event" }).click();
    const card = page.locator("article.event", { hasText: "Friday speedrun" });
    await card.getByText("announced", { exact: true }).waitFor();
    const [planned] = (await t.api("GET", `/api/v1/streams/${stream.id}/events`)).body;
    expect(planned).toMatchObject({ title: "Friday speedrun", status: "scheduled" });
    expect(twitch.segments.get(planned.announcements[0].externalId)?.title).toBe("Friday speedrun");

    // Twitch refuses the change (the grant was revoked): the card says so, in Twitch's words via Prism.
    twitch.oauth.revokeUser(TWITCH_USER.id);
    await card.getByRole("button", { name: "Edit" }).click();
    await card.getByLabel("Title").fill("Friday speedrun: any%");
    await card.getByRole("button", { name: "Save event" }).click();
    await page.locator("article.event", { hasText: "Friday speedrun: any%" }).getByText("refused", { exact: true }).waitFor();
    await page.locator("article.event").getByText(/must be connected again/).waitFor();

    const edited = page.locator("article.event", { hasText: "Friday speedrun: any%" });
    await edited.getByRole("button", { name: "Cancel event" }).click();
    await edited.getByRole("button", { name: "Yes" }).click();
    await page.getByRole("heading", { name: "Past" }).waitFor();
    await page.locator("article.event", { hasText: "cancelled" }).waitFor();
    expect((await t.api("GET", `/api/v1/events/${planned.id}`)).body.status).toBe("cancelled");
    expect(consoleErrors).toEqual([]);
  });

  it("plans a video event in one place: uploads a clip in the form (progress bar), picks it, then picks another uploaded video by name and length", async () => {
    consoleErrors.length = 0;
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Reruns" });
    const intro = await uploadedClip(t, { durationSec: 2, name: "intro" });
    const dir = await makeTempDir("prism-events-web-");
    const trailer = await makeClip({ dir, durationSec: 3, name: "trailer" });

    const page = await newPage();
    await logIn(page, `http://127.0.0.1:${t.prism.httpPort}/`, t.token);
    await page.goto(`http://127.0.0.1:${t.prism.httpPort}/#/events/${stream.id}`);
    await page.getByRole("heading", { name: "Events of Reruns" }).waitFor();
    const form = page.getByRole("form", { name: "Plan an event" });
    await form.getByLabel("Title").fill("Trailer night");
    await form.getByLabel("Starts").fill("2099-06-06T19:00");
    await form.getByLabel("A video played as live").check();
    const picker = form.getByLabel("Video", { exact: true });
    await picker.locator("option", { hasText: "intro.mp4" }).waitFor({ state: "attached" });
    await expect(picker.locator("option").allTextContents()).resolves.toEqual(["Pick a video", "intro.mp4 (0:02)"]);

    // Upload from the form itself; a slowed-down connection shows the progress bar.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 64 * 1024 });
    await form.getByLabel("Video file").setInputFiles(trailer);
    await form.getByRole("button", { name: "Upload" }).click();
    await form.getByRole("progressbar", { name: "Uploading trailer.mp4" }).waitFor();
    await form.getByRole("status").filter({ hasText: "Uploaded trailer.mp4 (0:03)." }).waitFor();
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    const uploaded = (await t.api("GET", "/api/v1/media")).body.find((m: { name: string }) => m.name === "trailer.mp4");
    // The new upload is listed and already picked.
    await expect(picker.locator("option").allTextContents()).resolves.toContain("trailer.mp4 (0:03)");
    expect(await picker.inputValue()).toBe(uploaded.id);

    // Uploading did not submit the event form.
    expect((await t.api("GET", `/api/v1/streams/${stream.id}/events`)).body).toEqual([]);
    await form.getByRole("button", { name: "Plan event" }).click();
    const card = page.locator("article.event", { hasText: "Trailer night" });
    await card.getByText("video trailer.mp4", { exact: false }).waitFor();
    const [planned] = (await t.api("GET", `/api/v1/streams/${stream.id}/events`)).body;
    expect(planned).toMatchObject({ title: "Trailer night", source: { type: "media", mediaId: uploaded.id, loop: false } });

    // Edit: pick the other video by its name and length.
    await card.getByRole("button", { name: "Edit" }).click();
    const editPicker = card.getByLabel("Video", { exact: true });
    // The list arrives after the form opens: the event's video is picked once it is there.
    await editPicker.locator("option", { hasText: "trailer.mp4 (0:03)" }).waitFor({ state: "attached" });
    expect(await editPicker.inputValue()).toBe(uploaded.id);
    await editPicker.selectOption({ label: "intro.mp4 (0:02)" });
    await card.getByRole("button", { name: "Save event" }).click();
    await card.getByRole("button", { name: "Save event" }).waitFor({ state: "detached" });
    expect((await t.api("GET", `/api/v1/events/${planned.id}`)).body.source).toEqual({ type: "media", mediaId: intro.id, loop: false });
    await card.getByText("video intro.mp4", { exact: false }).waitFor();
    expect(consoleErrors).toEqual([]);
  });
});
