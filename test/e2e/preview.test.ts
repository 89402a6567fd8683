import { describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { imageSize } from "image-size";
import { waitFor, type TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { publishTestStream } from "../support/publisher.js";
import { probeRecording, decodeErrors } from "../support/probe.js";
import { makeTempDir } from "../support/tmp.js";
import { parseMetrics, find, value } from "../support/metrics.js";
import { MAX_PREVIEW_VIEWERS_PER_STREAM, THUMBNAIL_REFRESH_MS } from "../../src/relay/preview/index.js";

/** Thumbnails and the live HTTP-FLV preview, from a real ffmpeg publisher through the real relay. */
describe("stream preview", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p));
  const base = () => `http://127.0.0.1:${t.prism.httpPort}`;
  const get = (path: string, init: RequestInit = {}) => fetch(base() + path, { ...init, headers: { authorization: `Bearer ${t.token}` } });
  const metrics = async () => parseMetrics(await (await get("/metrics")).text());
  const decodes = async () => find(await metrics(), "prism_preview_thumbnail_decodes_total", { outcome: "ok" })[0]?.value ?? 0;

  async function liveStream(name: string) {
    const stream = (await t.api("POST", "/api/v1/streams", { name })).body;
    const key = (await t.api("POST", `/api/v1/streams/${stream.id}/reveal-key`)).body.streamKey as string;
    const publisher = publishTestStream({ url: t.publishUrl(key), durationSec: Infinity, size: "320x240" });
    expect(await publisher.publishing).toBe(true);
    await waitFor(async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body.live, { what: "live" });
    return { stream, publisher };
  }

  it("thumbnail: 404 offline; live, every client of one refresh shares one ffmpeg decode", async () => {
    const stream = (await t.api("POST", "/api/v1/streams", { name: "Offline" })).body;
    const offline = await get(`/api/v1/streams/${stream.id}/thumbnail.jpg`);
    expect(offline.status).toBe(404);
    expect(((await offline.json()) as { error: { message: string } }).error.message).toMatch(/not live/);
    expect((await get(`/api/v1/streams/nope/thumbnail.jpg`)).status).toBe(404);
    // For pages that poll: no picture is a 204, which browsers do not log as an error.
    const quiet = await get(`/api/v1/streams/${stream.id}/thumbnail.jpg?quiet=1`);
    expect(quiet.status).toBe(204);
    expect(await quiet.text()).toBe("");

    const { stream: live } = await liveStream("Thumbs");
    const path = `/api/v1/streams/${live.id}/thumbnail.jpg`;
    // The first keyframe: until it comes the answer is a 404 that says so.
    await waitFor(async () => (await get(path)).status === 200, { what: "a first thumbnail" });
    // Past the refresh of that first picture, so the burst below is what starts the next decode.
    await new Promise((r) => setTimeout(r, THUMBNAIL_REFRESH_MS));

    for (let round = 0; round < 2; round++) {
      const before = await decodes();
      const answers = await Promise.all(Array.from({ length: 30 }, () => get(path)));
      const bodies = await Promise.all(answers.map(async (a) => Buffer.from(await a.arrayBuffer())));
      expect(answers.map((a) => a.status)).toEqual(Array(30).fill(200));
      expect(answers.every((a) => a.headers.get("content-type") === "image/jpeg")).toBe(true);
      // One decode for 30 clients: all got the very same picture.
      expect((await decodes()) - before).toBe(1);
      expect(new Set(bodies.map((b) => b.toString("base64"))).size).toBe(1);
      const jpeg = bodies[0]!;
      expect(jpeg.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))).toBe(true);
      expect(imageSize(jpeg)).toMatchObject({ width: 320, height: 240, type: "jpg" });
      // Within the refresh, more requests cost nothing.
      await get(path);
      expect((await decodes()) - before).toBe(1);
      if (round === 0) {
        const takenAt = Date.parse(answers[0]!.headers.get("last-modified")!);
        await new Promise((r) => setTimeout(r, Math.max(0, takenAt + THUMBNAIL_REFRESH_MS + 1_000 - Date.now())));
      }
    }
  });

  it("preview.flv: plays as FLV from a keyframe, bounded viewers, no reader once the viewer leaves, ends with the stream", async () => {
    const { stream, publisher } = await liveStream("Preview");
    const path = `/api/v1/streams/${stream.id}/preview.flv`;
    expect((await fetch(base() + path)).status).toBe(401);

    const aborts = Array.from({ length: MAX_PREVIEW_VIEWERS_PER_STREAM }, () => new AbortController());
    const viewers = await Promise.all(aborts.map((a) => get(path, { signal: a.signal })));
    expect(viewers.map((v) => v.status)).toEqual(Array(MAX_PREVIEW_VIEWERS_PER_STREAM).fill(200));
    expect(viewers[0]!.headers.get("content-type")).toBe("video/x-flv");
    const refused = await get(path);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(new RegExp(`${MAX_PREVIEW_VIEWERS_PER_STREAM} preview players`));
    expect(value(await metrics(), "prism_preview_viewers", { stream_id: stream.id })).toBe(MAX_PREVIEW_VIEWERS_PER_STREAM);

    // Three seconds of what the first viewer got is a clean FLV that ffprobe decodes.
    const reader = viewers[0]!.body!.getReader();
    const chunks: Buffer[] = [];
    let bytes = 0;
    while (bytes < 150_000) {
      const { value: chunk, done } = await reader.read();
      if (done) break;
      chunks.push(Buffer.from(chunk));
      bytes += chunk.length;
    }
    const dir = await makeTempDir();
    const file = join(dir, "preview.flv");
    await writeFile(file, Buffer.concat(chunks));
    expect(Buffer.concat(chunks).subarray(0, 3).toString()).toBe("FLV");
    const rec = await probeRecording(file);
    expect(rec.video).toMatchObject({ codec: "h264", width: 320, height: 240 });
    expect(rec.audio?.codec).toBe("aac");
    expect(rec.durationSec).toBeGreaterThan(1);
    expect(await decodeErrors(file)).toEqual([]);

    // Viewers that leave take their reader with them.
    for (const a of aborts.slice(1)) a.abort();
    await waitFor(async () => find(await metrics(), "prism_preview_viewers", { stream_id: stream.id })[0]?.value === 1, { what: "three viewers gone" });

    // The stream ends: the remaining viewer's body ends too.
    await publisher.stop();
    await waitFor(async () => !(await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body.live, { timeoutMs: 60_000, what: "stream ended" });
    for (;;) if ((await reader.read()).done) break;
    await waitFor(async () => find(await metrics(), "prism_preview_viewers", { stream_id: stream.id }).length === 0, { what: "no viewer left" });
    expect((await get(path)).status).toBe(404);
  });

  it("health/history: the last minutes of ingest and destination bitrates, kept server-side", async () => {
    const { stream } = await liveStream("History");
    const history = await waitFor(async () => {
      const h = (await t.api("GET", `/api/v1/streams/${stream.id}/health/history`)).body;
      return h.ingest.length >= 3 && h;
    }, { what: "three samples" });
    expect(history.intervalMs).toBe(1000);
    expect(history.ingest.length).toBeLessThanOrEqual(300);
    expect(Math.max(...history.ingest)).toBeGreaterThan(100);
    expect(history.destinations).toEqual([]);
    const offline = (await t.api("POST", "/api/v1/streams", { name: "Quiet" })).body;
    expect((await t.api("GET", `/api/v1/streams/${offline.id}/health/history`)).body).toEqual({ intervalMs: 1000, ingest: [], destinations: [] });
  });
});
