import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPrism, type TestPrism } from "../support/prism.js";

describe("destinations API: platforms and transcoding settings", () => {
  let t: TestPrism;
  let base: string;
  beforeAll(async () => {
    t = await startTestPrism();
    base = `/api/v1/streams/${(await t.api("POST", "/api/v1/streams", { name: "Main" })).body.id}/destinations`;
  });
  afterAll(async () => {
    await t.stop();
  });

  const create = (body: Record<string, unknown>) =>
    t.api("POST", base, { platform: "twitch", name: "Twitch", url: "rtmp://ingest.global-contribute.live-video.net/app", streamKey: "live_1_abc", ...body });

  it("adds a destination of each platform by URL and key, auto by default", async () => {
    for (const platform of ["twitch", "youtube", "x", "twitcasting", "kick"]) {
      const res = await create({ platform, name: platform });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toMatchObject({ platform, transcode: "auto" });
    }
    const unknown = await create({ platform: "myspace" });
    expect(unknown.status).toBe(400);
  });

  it("stores copy or a profile, returns it, and changes it with PATCH", async () => {
    const copy = await create({ transcode: "copy" });
    expect(copy.body.transcode).toBe("copy");
    const profile = { width: 1280, height: 720, videoKbps: 2500, fps: 30, keyframeIntervalSec: 2, audioKbps: 128 };
    const patched = await t.api("PATCH", `${base}/${copy.body.id}`, { transcode: profile });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.transcode).toEqual(profile);
    expect((await t.api("GET", `${base}/${copy.body.id}`)).body.transcode).toEqual(profile);
    const back = await t.api("PATCH", `${base}/${copy.body.id}`, { transcode: "auto" });
    expect(back.body.transcode).toBe("auto");
  });

  it.each([
    [{ transcode: "fast" }, /transcode/],
    [{ transcode: { videoKbps: 50 } }, /at least 100/],
    [{ transcode: { width: 100_000 } }, /at most 7680/],
    [{ transcode: { fps: 0 } }, /at least 1/],
    [{ transcode: { keyframeIntervalSec: 30 } }, /at most 10/],
    [{ transcode: { audioKbps: 4000 } }, /at most 512/],
    [{ transcode: { bitrate: 3000 } }, /transcode/],
    [{ transcode: {} }, /at least one of videoKbps/],
  ])("refuses %j with a 400 that says why", async (body, message) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    expect(JSON.stringify(res.body.error)).toMatch(message);
  });

  it("shows no transcoding and no warnings while the stream is offline", async () => {
    await create({ transcode: "copy" });
    const health = await t.api("GET", `${base.replace(/\/destinations$/, "")}/health`);
    expect(health.status).toBe(200);
    for (const d of health.body.destinations) expect(d).toMatchObject({ state: "idle", warnings: [], transcode: null });
  });
});
