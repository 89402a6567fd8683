import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { killAll } from "../support/children.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";
import { TestChat, message, sourcesOf } from "../comments/support.js";
import { ARTIFACTS, expectPng, logIn, useBrowser } from "./support.js";
import { retryFarEnough } from "../support/retry-window.js";

/**
 * The Sessions page in Chromium, on a real session: a short broadcast (1 s buckets) to two
 * receivers, one killed for 2 s, chat on two platforms, and viewer counts emitted on the bus by the
 * test (standing in for the viewer polls of issue #17 part 1, built on another branch).
 */
describe("the Sessions page: a session's report and its charts", () => {
  const twitch = new TestChat("twitch");
  const youtube = new TestChat("youtube");
  let t: TestPrism;
  const { consoleErrors, newPage } = useBrowser();

  beforeAll(async () => {
    t = await startTestPrism({ env: { PRISM_SESSION_BUCKET_SEC: "1", PRISM_LOG_LEVEL: "warn" }, chat: { sources: sourcesOf({ twitch, youtube }), reorderWindowMs: 100 } });
  });
  afterAll(async () => {
    await killAll();
    await t.stop();
    await removeTempDirs();
  });

  async function recordSession() {
    const dir = await makeTempDir("prism-web-session-");
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Charted show" });
    const steady = await startRtmpReceiver({ dir, name: "steady" });
    let flaky = await startRtmpReceiver({ dir, name: "flaky" });
    const base = `/api/v1/streams/${stream.id}/destinations`;
    const { body: a } = await t.api("POST", base, { name: "Main", url: steady.url, streamKey: steady.key });
    const { body: b } = await t.api("POST", base, { name: "Backup site", url: flaky.url, streamKey: flaky.key });
    const health = async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body.destinations.find((d: { id: string }) => d.id === b.id);
    let sessionId = "";
    t.prism.bus.on("stream.started", (e) => (sessionId = e.sessionId));
    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await publisher.publishing).toBe(true);
    await waitFor(async () => (await health()).state === "live", { what: "live" });
    await waitFor(() => twitch.reading && youtube.reading, { what: "chat readers" });
    const viewers = (destinationId: string, platform: string, count: number) =>
      t.prism.bus.emit("audience.viewers", { streamId: stream.id, sessionId, destinationId, platform, viewers: { count, at: new Date().toISOString() }, at: new Date().toISOString() });
    for (let second = 0; second < 10; second++) {
      viewers(a.id, "twitch", 40 + second * 6);
      viewers(b.id, "youtube", 25 + (second % 4) * 5);
      for (let k = 0; k <= second % 3; k++) twitch.push(message(`hi ${second}.${k}`, new Date(), `tw${k}`));
      youtube.push(message(`yo ${second}`, new Date(), `yt${second % 2}`));
      if (second === 3) {
        await flaky.process.kill("SIGKILL");
        await flaky.exited;
      }
      if (second === 5) {
        await retryFarEnough(health);
        flaky = await startRtmpReceiver({ dir, name: "flaky-again", port: flaky.port, key: flaky.key });
      }
      await sleep(1_000);
    }
    await waitFor(async () => (await health()).state === "live", { timeoutMs: 15_000, what: "back live" });
    await sleep(1_500);
    await publisher.stop();
    await waitFor(async () => (await t.api("GET", `/api/v1/sessions/${sessionId}`)).body.endedAt, { timeoutMs: 15_000, what: "report" });
    return { streamId: stream.id as string, sessionId };
  }

  it("reached from the nav: summary, destinations with the outage, and three charts drawn with data, outages shaded", async () => {
    const { streamId, sessionId } = await recordSession();
    const page = await newPage({ width: 1280, height: 1000 });
    await logIn(page, `http://127.0.0.1:${t.prism.httpPort}/`, t.token);
    await page.getByRole("link", { name: "Sessions", exact: true }).click();
    await page.getByRole("link", { name: "Charted show" }).click();
    await page.getByTestId("session-list").getByRole("link", { name: "Report →" }).click();
    await page.waitForURL(`**/#/sessions/${streamId}/${sessionId}`);

    const summary = page.getByTestId("session-summary");
    await summary.waitFor();
    const { body: report } = await t.api("GET", `/api/v1/sessions/${sessionId}`);
    await expect(page.getByTestId("chat-messages").textContent()).resolves.toBe(String(report.chat.messages));
    await expect(page.getByTestId("peak-viewers").textContent()).resolves.toContain(String(report.viewers.peak));
    const rows = page.getByTestId("session-destinations").locator("tbody tr");
    expect(await rows.count()).toBe(2);
    const backupRow = rows.filter({ hasText: "Backup site" });
    expect(await backupRow.locator("td").nth(2).textContent()).toBe("1");
    expect(await page.getByTestId("outages").textContent()).toContain("Backup site: down");

    for (const id of ["chart-viewers", "chart-bitrate", "chart-chat"]) await page.getByTestId(id).locator("canvas").waitFor();
    // The legends name what is drawn.
    const viewerLegend = await page.getByTestId("chart-viewers").locator(".u-legend").textContent();
    expect(viewerLegend).toContain("Twitch");
    expect(viewerLegend).toContain("YouTube");
    expect(await page.getByTestId("chart-bitrate").locator(".u-legend").textContent()).toContain("Backup site");

    // Each canvas really has lines on it, and the outage is shaded (light red) on each.
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-session-report.png`, fullPage: true });
    // Outages are drawn in rgba(214, 40, 40, 0.22) on the transparent canvas: what getImageData gives back, give or take rounding.
    const pixels = (await page.evaluate(`["chart-viewers", "chart-bitrate", "chart-chat"].map((id) => {
      const canvas = document.querySelector('[data-testid="' + id + '"] canvas');
      const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      let inked = 0;
      let shaded = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] === 0) continue;
        inked++;
        if (data[i] > 190 && data[i + 1] < 70 && data[i + 2] < 70 && data[i + 3] > 40 && data[i + 3] < 75) shaded++;
      }
      return { id, inked, shaded, size: canvas.width * canvas.height };
    })`)) as Array<{ id: string; inked: number; shaded: number; size: number }>;
    for (const p of pixels) {
      expect(p.inked, `${p.id} has nothing drawn`).toBeGreaterThan(p.size * 0.01);
      expect(p.shaded, `${p.id} shows no outage`).toBeGreaterThan(200);
    }

    expectPng(`${ARTIFACTS}/dashboard-session-report.png`, 20_000);
    expect(consoleErrors).toEqual([]);
  });
});
