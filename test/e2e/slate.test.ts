import { describe, expect, it } from "vitest";
import { waitFor, type TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { decodeErrors, isMonotonic, maxGapSec, packetTimestamps, probeRecording } from "../support/probe.js";
import { averageColorAt } from "../support/frames.js";
import { runToCompletion } from "../support/children.js";
import { ffmpegPath } from "../../src/media/binaries.js";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { withTimeout } from "../support/children.js";
import { makeTempDir } from "../support/tmp.js";

const SLATE_RGB = [0x15, 0x1a, 0x2e]; // assets/slate.png's background
const near = (rgb: number[], target: number[], tolerance = 24) => rgb.every((v, i) => Math.abs(v - target[i]!) <= tolerance);

describe("ingest-loss protection", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p));

  it("holds every destination on the slate while the publisher is gone and switches back seamlessly", async () => {
    const dir = await makeTempDir("prism-slate-");
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Wobbly Wi-Fi" });
    const receivers = await Promise.all(["a", "b"].map((name) => startRtmpReceiver({ dir, name })));
    for (const r of receivers) await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { name: r.file, url: r.url, streamKey: r.key });
    const health = async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body;

    const first = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    await waitFor(async () => (await health()).destinations.every((d: { state: string }) => d.state === "live"), { what: "destinations live" });
    await new Promise((r) => setTimeout(r, 4_000));

    // OBS crashes: the connection just drops, no unpublish.
    first.process.kill("SIGKILL");
    await first.exited;
    const lostAt = Date.now();
    await waitFor(async () => (await health()).ingestState === "slate", { timeoutMs: 3_000, what: "slate on" });
    const onSlate = await health();
    expect(onSlate.live).toBe(true);
    expect(new Date(onSlate.slateUntil).getTime()).toBeGreaterThan(Date.now() + 290_000);
    expect(onSlate.destinations.map((d: { state: string }) => d.state)).toEqual(["live", "live"]);
    await new Promise((r) => setTimeout(r, 5_000 - (Date.now() - lostAt)));
    expect((await health()).destinations.map((d: { state: string }) => d.state)).toEqual(["live", "live"]);

    const second = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: 5 });
    expect(await second.publishing).toBe(true);
    await waitFor(async () => (await health()).ingestState === "publisher", { timeoutMs: 3_000, what: "publisher back" });
    expect((await second.exited).code).toBe(0);

    // Automations heard about both moments.
    const events = await waitFor(async () => {
      const res = (await t.api("GET", "/api/v1/events?type=stream.ingest_lost,stream.ingest_resumed")).body as Array<{ type: string; data: { streamId: string; awaySec?: number } }>;
      const mine = res.filter((e) => e.data.streamId === stream.id);
      return mine.length === 2 ? mine : undefined;
    }, { what: "ingest events" });
    expect(events.map((e) => e.type)).toEqual(["stream.ingest_resumed", "stream.ingest_lost"]);
    expect(events[0]!.data.awaySec).toBeGreaterThanOrEqual(4);

    // The deliberate stop ends the stream: each receiver's single session ends cleanly.
    for (const r of receivers) {
      expect((await withTimeout(r.exited, 10_000, "receiver end")).code).toBe(0);
      const rec = await probeRecording(r.file);
      expect(rec.durationSec).toBeGreaterThan(12);
      expect(await decodeErrors(r.file)).toEqual([]);
      for (const kind of ["video", "audio"] as const) {
        const ts = await packetTimestamps(r.file, kind);
        expect(isMonotonic(ts), `${kind} timestamps of ${r.file}`).toBe(true);
        expect(maxGapSec(ts), `${kind} gap in ${r.file}`).toBeLessThan(1);
      }
      // Part 1 is the test pattern, then the slate, then part 2.
      expect(near(await averageColorAt(r.file, 2, dir), SLATE_RGB)).toBe(false);
      expect(near(await averageColorAt(r.file, 7, dir), SLATE_RGB)).toBe(true);
      expect(near(await averageColorAt(r.file, rec.durationSec - 2, dir), SLATE_RGB)).toBe(false);
    }
  });

  it("shows the stream's own slate image and ends the stream cleanly when the publisher does not come back in time", async () => {
    const dir = await makeTempDir("prism-slate-");
    const png = join(dir, "red.png");
    await runToCompletion(ffmpegPath(), ["-v", "error", "-f", "lavfi", "-i", "color=c=0xd02020:s=640x360", "-frames:v", "1", "-y", png]);
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Custom slate" });
    const patched = await t.api("PATCH", `/api/v1/streams/${stream.id}`, {
      slate: { maxSeconds: 10, image: `data:image/png;base64,${(await readFile(png)).toString("base64")}` },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.slate).toEqual({ enabled: true, maxSeconds: 10, customImage: true });
    const receiver = await startRtmpReceiver({ dir });
    await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { name: "R", url: receiver.url, streamKey: receiver.key });

    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    await waitFor(async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body.destinations[0].state === "live", { what: "live" });
    await new Promise((r) => setTimeout(r, 3_000));
    publisher.process.kill("SIGKILL");
    const lostAt = Date.now();

    // Nobody comes back: after maxSeconds the destination is closed properly (the receiver's session ends with code 0).
    expect((await withTimeout(receiver.exited, 20_000, "receiver end")).code).toBe(0);
    const endedAfter = Date.now() - lostAt;
    expect(endedAfter).toBeGreaterThan(9_500);
    expect(endedAfter).toBeLessThan(13_000);
    const after = (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body;
    expect(after).toMatchObject({ live: false, ingestState: "offline" });

    const rec = await probeRecording(receiver.file);
    expect(rec.durationSec).toBeGreaterThan(12);
    expect(await decodeErrors(receiver.file)).toEqual([]);
    expect(near(await averageColorAt(receiver.file, rec.durationSec - 3, dir), [0xd0, 0x20, 0x20])).toBe(true);
  });

  it("ends the stream at once on a drop when the slate is off", async () => {
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "No slate" });
    expect((await t.api("PATCH", `/api/v1/streams/${stream.id}`, { slate: { enabled: false } })).body.slate.enabled).toBe(false);
    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    await waitFor(async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body.live, { what: "live" });
    await new Promise((r) => setTimeout(r, 2_500));
    publisher.process.kill("SIGKILL");
    await waitFor(async () => !(await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body.live, { timeoutMs: 2_000, what: "stream ended" });
  });

  it("refuses slate settings it cannot use, with a reason", async () => {
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Bad slate" });
    const cases: Array<[unknown, RegExp]> = [
      [{ slate: { maxSeconds: 2 } }, /maxSeconds: must be at least 10/],
      [{ slate: { image: "https://example.com/x.png" } }, /data URL of a PNG or JPEG/],
      [{ slate: { image: `data:image/png;base64,${Buffer.from("not a png").toString("base64")}` } }, /not a PNG/],
      [{ slate: { image: `data:image/png;base64,${Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.alloc(64)]).toString("base64")}` } }, /could not read that image/],
      [{}, /give name, slate, title, description and\/or recording/],
    ];
    for (const [body, message] of cases) {
      const res = await t.api("PATCH", `/api/v1/streams/${stream.id}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toMatch(message);
    }
    expect((await t.api("GET", `/api/v1/streams/${stream.id}`)).body.slate).toEqual({ enabled: true, maxSeconds: 300, customImage: false });
  });
});
