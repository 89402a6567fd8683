import { describe, expect, it } from "vitest";
import { waitFor, type TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { decodeErrors, decodeTimestamps, framePresentationTimes, nonIncreasing, offGridSteps } from "../support/probe.js";
import { averageColors } from "../support/frames.js";
import { withTimeout } from "../support/children.js";
import { makeTempDir } from "../support/tmp.js";
import { recordEvents } from "../support/events.js";
import { parseMetrics, value } from "../support/metrics.js";

const SLATE_RGB = [0x15, 0x1a, 0x2e]; // assets/slate.png's background
const BACKUP_RGB = [0xc0, 0x20, 0x20]; // the backup encoder's solid colour
const near = (rgb: number[], target: number[], tolerance = 28) => rgb.every((v, i) => Math.abs(v - target[i]!) <= tolerance);
const classify = (rgb: number[]) => (near(rgb, SLATE_RGB) ? "slate" : near(rgb, BACKUP_RGB) ? "backup" : "primary");

describe("a backup encoder", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p), { PRISM_INGEST_PRIMARY_STEADY_SEC: "2", PRISM_INGEST_STALL_MS: "1000" });

  it("stands in when the primary stalls and dies, and hands back once the primary is steady, on one connection per receiver", async () => {
    const dir = await makeTempDir("prism-backup-");
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Two encoders" });
    const receivers = await Promise.all(["a", "b"].map((name) => startRtmpReceiver({ dir, name })));
    for (const r of receivers) await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { name: r.file, url: r.url, streamKey: r.key });
    const health = async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body;
    const events = recordEvents(t.prism.bus, stream.id, ["stream.ingest_switched", "stream.ended"]);

    const primary = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await primary.publishing).toBe(true);
    const backup = publishTestStream({ url: t.publishUrl(stream.backupStreamKey), durationSec: Infinity, color: "0xC02020" });
    expect(await backup.publishing).toBe(true);
    await waitFor(async () => (await health()).destinations.every((d: { state: string }) => d.state === "live"), { what: "destinations live" });
    const both = await waitFor(async () => {
      const h = await health();
      return h.ingest.primary.fps > 0 && h.ingest.backup.fps > 0 ? h : undefined;
    }, { what: "both encoders measured" });
    expect(both.ingestState).toBe("publisher");
    expect(both.ingest.backup).toMatchObject({ connected: true, codecs: { video: "H264", audio: "AAC" }, size: { width: 320, height: 240 } });
    expect(both.ingestWarnings).toEqual([]);
    await new Promise((r) => setTimeout(r, 2_000)); // some of the primary on record

    // The primary hangs: the backup takes over at its next keyframe.
    primary.freeze();
    await events.until(1, 10_000, "switch to the backup");
    expect(events.seen[0]!.data).toMatchObject({ from: "primary", to: "backup", reason: expect.stringMatching(/primary encoder is connected but sent nothing/) });
    await waitFor(async () => (await health()).ingestState === "backup", { what: "backup on air" });
    // Then it dies for good; the backup stays on air.
    primary.process.kill("SIGKILL");
    await waitFor(async () => (await health()).ingest.primary.connected === false, { what: "primary gone" });
    expect((await health()).ingestState).toBe("backup");
    await new Promise((r) => setTimeout(r, 2_000));

    // The primary comes back; after 2 s of steady publishing it is on air again.
    const back = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    await events.until(2, 15_000, "switch back to the primary");
    expect(events.seen[1]!.data).toMatchObject({ from: "backup", to: "primary", reason: expect.stringMatching(/steady for 2 s/) });
    await waitFor(async () => (await health()).ingestState === "publisher", { what: "primary on air" });
    await new Promise((r) => setTimeout(r, 2_000));
    const before = await health();
    expect(before.destinations.map((d: { reconnects: number }) => d.reconnects)).toEqual([0, 0]);
    const samples = parseMetrics((await t.api("GET", "/metrics")).text);
    for (const [from, to] of [["primary", "backup"], ["backup", "primary"]]) {
      expect(value(samples, "prism_ingest_switches_total", { stream_id: stream.id, from: from!, to: to! })).toBe(1);
    }
    const logged = (await t.api("GET", "/api/v1/events?type=stream.ingest_switched")).body as Array<{ data: { streamId: string; from: string; to: string } }>;
    expect(logged.filter((e) => e.data.streamId === stream.id).map((e) => `${e.data.from}→${e.data.to}`)).toEqual(["backup→primary", "primary→backup"]);

    await back.stop();
    await backup.stop();
    await events.until(3, 10_000, "stream end");
    for (const r of receivers) expect((await withTimeout(r.exited, 10_000, "receiver end")).code).toBe(0);
    events.stop();

    for (const r of receivers) {
      expect(await decodeErrors(r.file)).toEqual([]);
      for (const kind of ["video", "audio"] as const) expect(nonIncreasing(await decodeTimestamps(r.file, kind)), kind).toEqual([]);
      expect(offGridSteps(await decodeTimestamps(r.file, "video"), 1 / 25)).toEqual([]);
      expect(nonIncreasing(await framePresentationTimes(r.file))).toEqual([]);
      // Sampled four times a second: the primary's pattern, the backup's colour, the pattern again.
      const seen = (await averageColors(r.file, 4, dir)).map(classify).filter((c) => c !== "slate");
      expect(seen.filter((c, i) => i === 0 || c !== seen[i - 1])).toEqual(["primary", "backup", "primary"]);
    }
  });

  it("takes a stream live on its own when no primary publishes", async () => {
    const dir = await makeTempDir("prism-backup-");
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Backup only" });
    const receiver = await startRtmpReceiver({ dir });
    await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { name: "R", url: receiver.url, streamKey: receiver.key });
    const backup = publishTestStream({ url: t.publishUrl(stream.backupStreamKey), durationSec: 4, color: "0xC02020" });
    const h = await waitFor(async () => {
      const got = (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body;
      return got.ingestState === "backup" && got.destinations[0].state === "live" ? got : undefined;
    }, { what: "backup on air" });
    expect(h.live).toBe(true);
    expect(h.ingest.primary.connected).toBe(false);
    expect((await backup.exited).code).toBe(0);
    expect((await withTimeout(receiver.exited, 10_000, "receiver end")).code).toBe(0);
    expect(await decodeErrors(receiver.file)).toEqual([]);
    const seen = (await averageColors(receiver.file, 2, dir)).map(classify);
    expect(new Set(seen)).toEqual(new Set(["backup"]));
  });
});
