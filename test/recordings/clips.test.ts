import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { publishTestStream } from "../support/publisher.js";
import { recordEvents } from "../support/events.js";
import { probeRecording } from "../support/probe.js";
import { makeTempDir } from "../support/tmp.js";
import { download, playThroughErrors, recordedStream, runIndex, settledRecordings, videoPacketHashes } from "./support.js";

const FPS = 25;

/** Every file under `dir`, relative, sorted (a SQLite -shm/-wal pair comes and goes with checkpoints, so not those). */
function dataDirFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => !/-(wal|shm)$/.test(f))
    .sort();
}
const GOP_SEC = 1;

describe("clips and markers", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p));
  let recording: any;
  let stream: { id: string; streamKey: string };
  let liveClip: any;
  let liveAtSec: number;
  let marker: any;
  let dir: string;

  it("clips the last N seconds while live and keeps markers", async () => {
    dir = await makeTempDir("prism-clips-");
    stream = await recordedStream(t, "Clip show");
    const events = recordEvents(t.prism.bus, stream.id, ["stream.ended", "clip.ready"]);
    expect((await t.api("POST", `/api/v1/streams/${stream.id}/clips`, { lastSec: 10 })).status).toBe(409);
    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: 16, fps: FPS, keyframeIntervalSec: GOP_SEC });
    expect(await publisher.publishing).toBe(true);
    await new Promise((r) => setTimeout(r, 5_000));
    const marked = await t.api("POST", `/api/v1/streams/${stream.id}/markers`, { label: "Boss fight" });
    expect(marked.status).toBe(201);
    marker = marked.body;
    expect(marker.atSec).toBeGreaterThan(3);
    await new Promise((r) => setTimeout(r, 7_000));
    liveAtSec = (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body.recording.durationSec;
    const clipped = await t.api("POST", `/api/v1/streams/${stream.id}/clips`, { lastSec: 10, title: "Clutch!" });
    expect(clipped.status, clipped.text).toBe(201);
    liveClip = clipped.body;
    expect(liveClip).toMatchObject({ title: "Clutch!", precise: false });
    expect(events.seen.some((e) => e.type === "clip.ready" && (e.data as { clipId: string }).clipId === liveClip.id)).toBe(true);
    expect((await publisher.exited).code).toBe(0);
    await events.until(2, 10_000, "stream.ended");

    [recording] = await settledRecordings(t, stream.id);
    expect(recording.markers).toEqual([expect.objectContaining({ id: marker.id, label: "Boss fight", atSec: marker.atSec })]);
    expect(recording.markers[0].atSec).toBeLessThan(recording.durationSec);
  });

  it("a live clip of the last 10 s holds the last 10 s of the recording at the time, copied packet for packet", async () => {
    const clipFile = await download(t, liveClip.downloadUrl, dir, "live.mp4");
    const recFile = await download(t, recording.downloadUrl, dir, "rec.mp4");
    expect(await playThroughErrors(clipFile)).toBe("");
    // From the keyframe at or before "10 s ago" to what was on disk when asked.
    expect(liveClip.durationSec).toBeGreaterThanOrEqual(10 - 1 / FPS);
    expect(liveClip.durationSec).toBeLessThanOrEqual(10 + GOP_SEC + 0.5);
    expect(liveClip.startSec).toBeLessThanOrEqual(liveAtSec - 10 + 0.5);
    expect(liveClip.endSec).toBeGreaterThanOrEqual(liveAtSec - 0.5);
    const whole = await videoPacketHashes(recFile);
    const part = await videoPacketHashes(clipFile);
    const at = runIndex(whole, part);
    expect(at, "the clip's packets are a run of the recording's").toBeGreaterThanOrEqual(0);
    expect(Math.abs(whole[at]!.ptsSec - liveClip.startSec)).toBeLessThan(0.1);
  });

  it("cuts a copy from the keyframe at or before startSec, and says so", async () => {
    const res = await t.api("POST", `/api/v1/recordings/${recording.id}/clips`, { startSec: 3.5, endSec: 7.2, title: "Copy" });
    expect(res.status, res.text).toBe(201);
    const clip = res.body;
    expect(clip.requestedStartSec).toBe(3.5);
    expect(clip.startSec).toBeLessThanOrEqual(3.5);
    expect(clip.startSec).toBeGreaterThan(3.5 - GOP_SEC - 0.01);
    expect(Math.abs(clip.durationSec - (7.2 - clip.startSec))).toBeLessThan(GOP_SEC);
    const file = await download(t, clip.downloadUrl, dir, "copy.mp4");
    expect(await playThroughErrors(file)).toBe("");
    const probed = await probeRecording(file);
    expect(Math.abs(probed.durationSec - clip.durationSec)).toBeLessThan(GOP_SEC);
    const whole = await videoPacketHashes(join(dir, "rec.mp4"));
    const part = await videoPacketHashes(file);
    const at = runIndex(whole, part);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(Math.abs(whole[at]!.ptsSec - clip.startSec)).toBeLessThan(1 / FPS);
    expect((await t.api("GET", `/api/v1/recordings/${recording.id}/clips`)).body.map((c: { id: string }) => c.id)).toContain(clip.id);
  });

  it("re-encodes a precise clip from exactly startSec, to within a frame", async () => {
    const res = await t.api("POST", `/api/v1/recordings/${recording.id}/clips`, { startSec: 3.5, endSec: 6.5, precise: true });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ startSec: 3.5, precise: true });
    expect(Math.abs(res.body.durationSec - 3)).toBeLessThanOrEqual(1 / FPS + 0.001);
    const file = await download(t, res.body.downloadUrl, dir, "precise.mp4");
    expect(await playThroughErrors(file)).toBe("");
    const probed = await probeRecording(file);
    expect(probed.video?.packets).toBeGreaterThanOrEqual(3 * FPS - 1);
    expect(probed.video?.packets).toBeLessThanOrEqual(3 * FPS + 1);
  });

  it("refuses bad clips, unknown ids and path tricks with a 4xx, touching nothing", async () => {
    const clip = (body: unknown) => t.api("POST", `/api/v1/recordings/${recording.id}/clips`, body);
    const outside = await clip({ startSec: 2, endSec: recording.durationSec + 5 });
    expect([outside.status, outside.body.error.code]).toEqual([400, "outside_recording"]);
    expect((await clip({ startSec: recording.durationSec + 1, endSec: recording.durationSec + 2 })).body.error.code).toBe("outside_recording");
    expect((await clip({ startSec: 6, endSec: 3 })).body.error.code).toBe("end_before_start");
    expect((await clip({ startSec: 0, endSec: 10_000 })).body.error.code).toBe("clip_too_long");
    expect((await clip({ startSec: -1, endSec: 3 })).status).toBe(400);
    expect((await clip({ startSec: "1", endSec: 3 })).status).toBe(400);
    expect((await clip({ startSec: 1, endSec: 3, extra: true })).status).toBe(400);
    expect((await t.api("POST", `/api/v1/streams/${stream.id}/clips`, { lastSec: 0 })).status).toBe(400);
    expect((await t.api("POST", `/api/v1/streams/${stream.id}/clips`, { lastSec: 10_000 })).status).toBe(400);
    expect((await t.api("POST", `/api/v1/streams/${stream.id}/markers`, {})).status).toBe(409);

    const unknownRec = `rec_${"0".repeat(32)}`;
    const unknownClip = `clip_${"0".repeat(32)}`;
    for (const [method, path] of [
      ["GET", `/api/v1/recordings/${unknownRec}`],
      ["GET", `/api/v1/recordings/${unknownRec}/download`],
      ["DELETE", `/api/v1/recordings/${unknownRec}`],
      ["GET", `/api/v1/recordings/${unknownRec}/clips`],
      ["GET", `/api/v1/clips/${unknownClip}`],
      ["GET", `/api/v1/clips/${unknownClip}/download`],
      ["DELETE", `/api/v1/clips/${unknownClip}`],
      ["GET", `/api/v1/streams/${stream.id}0/recordings`],
    ] as const) {
      expect((await t.api(method, path)).status, `${method} ${path}`).toBe(404);
    }
    // What the data dir holds (the SQLite file on that dialect, recordings and clips on both): the tricks touch none of it.
    const before = dataDirFiles(t.dataDir);
    expect(before.length).toBeGreaterThan(0);
    const tricks = ["..%2F..%2Fprism.sqlite", "%2e%2e", "rec_..%2Fprism", `${recording.id}%2F..%2F..%2Fprism.sqlite`, `${recording.id}.mp4`, "..", "rec_%00", `${recording.id.toUpperCase()}`];
    for (const trick of tricks) {
      for (const [method, path] of [
        ["GET", `/api/v1/recordings/${trick}/download`],
        ["DELETE", `/api/v1/recordings/${trick}`],
        ["GET", `/api/v1/clips/${trick}/download`],
        ["DELETE", `/api/v1/clips/${trick}`],
      ] as const) {
        const res = await t.api(method, path);
        expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${method} ${path}`).toBeLessThan(500);
      }
    }
    expect(dataDirFiles(t.dataDir)).toEqual(before);
    expect((await t.api("GET", `/api/v1/recordings/${recording.id}`)).body.state).toBe("ready");
    expect((await t.api("GET", `/api/v1/recordings/${recording.id}/clips`)).body).toHaveLength(3);
  });

  it("serves byte ranges with a readable file name", async () => {
    const url = `http://127.0.0.1:${t.prism.httpPort}${recording.downloadUrl}`;
    const auth = { authorization: `Bearer ${t.token}` };
    const part = await fetch(url, { headers: { ...auth, range: "bytes=100-199" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 100-199/${recording.sizeBytes}`);
    expect((await part.arrayBuffer()).byteLength).toBe(100);
    const tail = await fetch(url, { headers: { ...auth, range: "bytes=-10" } });
    expect([tail.status, (await tail.arrayBuffer()).byteLength]).toEqual([206, 10]);
    const past = await fetch(url, { headers: { ...auth, range: `bytes=${recording.sizeBytes}-` } });
    expect(past.status).toBe(416);
    await past.text();
    const whole = await fetch(url, { headers: auth });
    expect(whole.headers.get("accept-ranges")).toBe("bytes");
    expect(whole.headers.get("content-type")).toBe("video/mp4");
    expect(whole.headers.get("content-disposition")).toMatch(/^attachment; filename="Clip show \d{4}-\d\d-\d\d \d\d-\d\d\.mp4"/);
    await whole.arrayBuffer();
  });

  it("a recording deleted while it downloads: the download completes, then it is gone with its clips", async () => {
    const res = await fetch(`http://127.0.0.1:${t.prism.httpPort}${recording.downloadUrl}`, { headers: { authorization: `Bearer ${t.token}` } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let received = (await reader.read()).value!.byteLength;
    expect((await t.api("DELETE", `/api/v1/recordings/${recording.id}`)).status).toBe(204);
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) received += chunk.value.byteLength;
    expect(received).toBe(recording.sizeBytes);
    expect((await t.api("GET", `/api/v1/recordings/${recording.id}`)).status).toBe(404);
    expect((await t.api("GET", `/api/v1/recordings/${recording.id}/download`)).status).toBe(404);
    expect((await t.api("GET", `/api/v1/clips/${liveClip.id}`)).status).toBe(404);
    expect((await t.api("GET", "/healthz")).status).toBe(200);
  });
});
