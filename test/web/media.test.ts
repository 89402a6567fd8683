import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { usePrism } from "../support/lifecycle.js";
import type { TestPrism } from "../support/prism.js";
import { makeTempDir } from "../support/tmp.js";
import { makeClip } from "../support/clip.js";
import { ARTIFACTS, logIn, useBrowser } from "./support.js";

/** The Videos page: upload with a progress bar, the list, refusals in words, delete; in Chromium, checked against the API. */
describe("dashboard video uploads in a real browser", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p));
  const { consoleErrors, newPage } = useBrowser();
  const base = () => `http://127.0.0.1:${t.prism.httpPort}`;

  beforeEach(() => {
    consoleErrors.length = 0;
  });

  it("uploads a video with a progress bar that moves, lists it, says why a bad file is refused, and deletes", async () => {
    const dir = await makeTempDir("prism-media-web-");
    // A few MB, so the upload takes a while over the throttled connection below.
    const clip = await makeClip({ dir, durationSec: 6, name: "launch", fps: 30, videoCodec: "libx264" });
    const page = await newPage();
    await logIn(page, base() + "/", t.token);
    await page.getByRole("link", { name: "Videos" }).click();
    await page.getByRole("heading", { name: "Videos" }).waitFor();

    // Slow uploads down (Chrome's network emulation) so the progress bar can be seen moving.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 256 * 1024 });
    await page.getByLabel("Video file").setInputFiles(clip);
    await page.getByRole("button", { name: "Upload" }).click();
    const bar = page.getByRole("progressbar", { name: "Uploading launch.mp4" });
    await bar.waitFor();
    const seen = new Set<number>();
    while (await bar.isVisible().catch(() => false)) {
      const value = Number(await bar.getAttribute("value").catch(() => null));
      if (Number.isFinite(value)) seen.add(value);
      await page.waitForTimeout(50);
    }
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await page.getByRole("status").filter({ hasText: "Uploaded launch.mp4 (0:06)." }).waitFor();
    expect([...seen].some((v) => v > 0 && v < 100), `progress values seen: ${[...seen].join(", ")}`).toBe(true);
    const card = page.getByRole("article", { name: "Video launch.mp4" });
    await card.waitFor();
    await expect(card.textContent()).resolves.toMatch(/0:06 · h264 320×240 · aac, 2 channels · \d+\.\d MB/);
    const [stored] = (await t.api("GET", "/api/v1/media")).body;
    expect(stored).toMatchObject({ name: "launch.mp4", video: { codec: "h264" } });
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-videos.png`, fullPage: true });

    // A file that is no video: refused with the API's words, nothing listed.
    const fake = join(dir, "notes.mp4");
    await writeFile(fake, "not a video\n".repeat(100));
    await page.getByLabel("Video file").setInputFiles(fake);
    await page.getByRole("button", { name: "Upload" }).click();
    await page.getByRole("alert").filter({ hasText: "ffprobe cannot read this file" }).waitFor();

    await card.getByRole("button", { name: "Delete" }).click();
    await card.getByRole("button", { name: "Yes" }).click();
    await page.getByText("No video yet.").waitFor();
    expect((await t.api("GET", "/api/v1/media")).body).toEqual([]);
    // The refused upload's 422 is the one console error (the browser logs failed requests).
    expect(consoleErrors.filter((e) => !/status of 422/.test(e))).toEqual([]);
  });
});
