import { beforeEach, describe, expect, it } from "vitest";
import { usePrism } from "../support/lifecycle.js";
import { waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream } from "../support/publisher.js";
import { logIn, useBrowser } from "./support.js";

/** What the test reads of the page's <video> (the test code is typed without the DOM library). */
interface VideoElement {
  readyState: number;
  duration: number;
  currentTime: number;
  muted: boolean;
  play(): Promise<void>;
  pause(): void;
}

/** The Recordings page in Chromium: settings, live clip and marker, a player that really plays, clips, delete. */
describe("dashboard Recordings page in a real browser", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p));
  const { consoleErrors, newPage } = useBrowser();
  const base = () => `http://127.0.0.1:${t.prism.httpPort}`;

  beforeEach(() => {
    consoleErrors.length = 0;
  });

  it("turns recording on, clips and marks the live session, plays the recording with its markers, cuts a clip and deletes", async () => {
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Browser show" });
    const page = await newPage();
    await logIn(page, base() + "/", t.token);
    await page.getByRole("link", { name: "Recordings" }).click();
    await page.getByRole("link", { name: /Browser show/ }).click();
    await page.getByRole("heading", { name: "Recordings of Browser show" }).waitFor();
    await page.getByLabel("Record every broadcast of this stream").check();
    await expect.poll(async () => (await t.api("GET", `/api/v1/streams/${stream.id}`)).body.recording.enabled).toBe(true);

    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity, keyframeIntervalSec: 1 });
    expect(await publisher.publishing).toBe(true);
    const live = page.getByRole("region", { name: "Live recording" });
    await live.waitFor({ timeout: 15_000 });
    await new Promise((r) => setTimeout(r, 3_000));
    await live.getByRole("button", { name: "Add marker" }).click();
    await live.getByRole("button", { name: "Clip the last 30 s" }).click();
    await live.getByRole("status").filter({ hasText: "Clip ready" }).waitFor();
    await new Promise((r) => setTimeout(r, 2_000));
    await publisher.stop();

    const recording = await waitFor(async () => (await t.api("GET", `/api/v1/streams/${stream.id}/recordings`)).body.find((r: { state: string }) => r.state === "ready"), { what: "recording ready" });
    expect(recording.markers).toHaveLength(1);
    expect((await t.api("GET", `/api/v1/recordings/${recording.id}/clips`)).body).toHaveLength(1);
    await page.getByRole("button", { name: /^Play recording of/ }).click();

    // The player really plays: it loads the MP4 (ranges), reaches playable data and its clock runs.
    const video = page.getByRole("region", { name: "Player" }).locator("video");
    await expect.poll(() => video.evaluate((v: VideoElement) => v.readyState), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    expect(await video.evaluate((v: VideoElement) => v.duration)).toBeCloseTo(recording.durationSec, 0);
    await video.evaluate((v: VideoElement) => {
      v.muted = true;
      return v.play();
    });
    await expect.poll(() => video.evaluate((v: VideoElement) => v.currentTime), { timeout: 10_000 }).toBeGreaterThan(0.5);
    await video.evaluate((v: VideoElement) => v.pause());

    // The marker sits on the timeline; clicking it seeks there.
    const marker = recording.markers[0];
    await page.getByRole("button", { name: /^Marker/ }).click();
    await expect.poll(() => video.evaluate((v: VideoElement) => v.currentTime)).toBeCloseTo(marker.atSec, 0);

    // A clip from the player.
    const form = page.getByRole("form", { name: "Make a clip" });
    await form.getByLabel("Clip start").fill("1.5");
    await form.getByLabel("Clip end").fill("3.5");
    await form.getByRole("button", { name: "Make clip" }).click();
    await page.getByRole("status").filter({ hasText: "Clip made from" }).waitFor();
    const clips = (await t.api("GET", `/api/v1/recordings/${recording.id}/clips`)).body;
    expect(clips).toHaveLength(2);
    expect(clips[1]).toMatchObject({ requestedStartSec: 1.5 });
    await page.locator("ul.clips li").nth(1).getByRole("link", { name: "Download" }).waitFor();

    // Delete, confirmed.
    await page.getByRole("button", { name: "Delete", exact: true }).first().click();
    await page.getByRole("group", { name: "Delete this recording and its clips?" }).getByRole("button", { name: "Yes" }).click();
    await expect.poll(async () => (await t.api("GET", `/api/v1/recordings/${recording.id}`)).status).toBe(404);
    await page.getByText("No recordings yet.").waitFor();
    expect(consoleErrors).toEqual([]);
  });
});
