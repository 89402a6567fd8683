import { afterAll, describe, expect, it } from "vitest";
import { usePrism } from "../support/lifecycle.js";
import type { TestPrism } from "../support/prism.js";
import { startTwitchFake, TWITCH_USER, type TwitchFake } from "../fakes/twitch.js";
import { linkThroughBrowser } from "../oauth/support.js";
import { logIn, useBrowser } from "./support.js";

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
});
