import { request } from "node:http";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { OpenApiChecker } from "./openapi-check.js";
import type { TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { makeTempDir } from "../support/tmp.js";
import { makeClip, uploadClip } from "../support/clip.js";

const LIMIT_MB = 1;
/** Every answer below is checked against the OpenAPI document (strict: no undocumented field). */
let checker: OpenApiChecker;
const TWO_GB = 2 * 1024 ** 3;

/** Sends up to `totalBytes` of zeros (lazily, 64 KiB at a time) and reports how many went out before the answer. */
function hugeUpload(t: TestPrism, headers: Record<string, string>, totalBytes: number, prefix = Buffer.alloc(0)) {
  return new Promise<{ status: number; body: any; sentBytes: number }>((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request({ host: "127.0.0.1", port: t.prism.httpPort, path: "/api/v1/media", method: "POST", headers: { authorization: `Bearer ${t.token}`, ...headers } });
    req.on("response", (res) => {
      answered = true;
      let text = "";
      res.on("data", (d: Buffer) => (text += d));
      res.on("end", () => {
        checker.check("POST", "/api/v1/media", { status: res.statusCode!, text, headers: new Headers(res.headers as Record<string, string>) });
        resolve({ status: res.statusCode!, body: JSON.parse(text), sentBytes: sent });
      });
    });
    // The server closes the connection after its answer: writes after that fail, as they should.
    req.on("error", (err) => (answered ? undefined : reject(err)));
    const chunk = Buffer.alloc(64 * 1024);
    const pump = () => {
      if (sent === 0 && prefix.length) {
        req.write(prefix);
      }
      while (!answered && sent < totalBytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe("POST /media, GET /media, DELETE /media/:mediaId", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p), { PRISM_MEDIA_MAX_MB: String(LIMIT_MB) });
  beforeAll(async () => {
    checker = new OpenApiChecker((await t.api("GET", "/api/v1/openapi.json", undefined, { token: null })).body, { strict: true });
  });
  const api = async (method: string, path: string, body?: unknown, options?: Parameters<TestPrism["api"]>[3]) => {
    const res = await t.api(method, path, body, options);
    checker.check(method, path, res);
    return res;
  };
  const upload = async (file: string, field?: string) => {
    const res = await uploadClip(t, file, field);
    checker.check("POST", "/api/v1/media", res);
    return res;
  };
  const mediaDir = () => join(t.dataDir, "media");
  const leftOnDisk = async () => (await readdir(mediaDir()).catch(() => [] as string[])).filter((f) => !f.endsWith(".mp4") && !f.endsWith(".mkv") && !f.endsWith(".flv"));

  it("takes an MP4 (H.264 + AAC) as multipart, describes it with ffprobe's figures, lists, gets and deletes it", async () => {
    const dir = await makeTempDir("prism-media-");
    const clip = await makeClip({ dir, durationSec: 2 });
    const up = await upload(clip);
    expect(up.status, up.text).toBe(201);
    expect(up.body).toMatchObject({ name: "clip.mp4", sizeBytes: (await stat(clip)).size, video: { codec: "h264", width: 320, height: 240 }, audio: { codec: "aac", channels: 2 } });
    expect(up.body.id).toMatch(/^med_/);
    expect(up.body.durationSec).toBeGreaterThan(1.9);
    expect(up.body.durationSec).toBeLessThan(2.2);
    // On disk byte for byte, under the data dir.
    const stored = (await readdir(mediaDir())).find((f) => f.startsWith(up.body.id))!;
    expect(await readFile(join(mediaDir(), stored))).toEqual(await readFile(clip));

    expect((await api("GET", "/api/v1/media")).body.map((m: { id: string }) => m.id)).toContain(up.body.id);
    expect((await api("GET", `/api/v1/media/${up.body.id}`)).body).toMatchObject({ id: up.body.id, playing: null });
    expect((await api("DELETE", `/api/v1/media/${up.body.id}`)).status).toBe(204);
    expect((await api("GET", `/api/v1/media/${up.body.id}`)).status).toBe(404);
    expect((await api("DELETE", `/api/v1/media/${up.body.id}`)).status).toBe(404);
    expect(await readdir(mediaDir())).not.toContain(stored);
  });

  it("takes MKV with HEVC, and a raw video/* body named by ?name=", async () => {
    const dir = await makeTempDir("prism-media-");
    const hevc = await makeClip({ dir, durationSec: 1, container: "mkv", videoCodec: "libx265" });
    const up = await upload(hevc);
    expect(up.status, up.text).toBe(201);
    expect(up.body.video.codec).toBe("hevc");

    const flv = await makeClip({ dir, durationSec: 1, container: "flv", name: "raw" });
    const res = await fetch(`http://127.0.0.1:${t.prism.httpPort}/api/v1/media?name=intro.flv`, { method: "POST", headers: { authorization: `Bearer ${t.token}`, "content-type": "video/x-flv" }, body: await readFile(flv) });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body).toMatchObject({ name: "intro.flv", video: { codec: "h264" }, audio: { codec: "aac" } });
  });

  it("refuses what it cannot stream with a clear 4xx and leaves nothing on disk", async () => {
    const dir = await makeTempDir("prism-media-");
    const vp9 = await makeClip({ dir, durationSec: 1, container: "webm", videoCodec: "libvpx-vp9", audioCodec: "libopus" });
    const webm = await upload(vp9);
    expect(webm.status).toBe(422);
    expect(webm.body.error.code).toBe("unplayable_media");
    expect(webm.body.error.message).toMatch(/video is vp9; Prism plays H.264 or HEVC/);

    const mp3audio = await makeClip({ dir, durationSec: 1, container: "mkv", audioCodec: "libmp3lame", name: "mp3" });
    const mp3 = await upload(mp3audio);
    expect(mp3.status).toBe(422);
    expect(mp3.body.error.message).toMatch(/audio is mp3; Prism plays AAC/);

    const garbage = join(dir, "garbage.mp4");
    await writeFile(garbage, Buffer.from("this is not a video at all, just text pretending to be one".repeat(100)));
    const corrupt = await upload(garbage);
    expect(corrupt.status).toBe(422);
    expect(corrupt.body.error.code).toBe("unreadable_media");
    // ffprobe's words, without the server's paths.
    expect(corrupt.body.error.message).toMatch(/ffprobe cannot read this file \(the file: Invalid data found when processing input\)/);
    expect(corrupt.text).not.toContain(t.dataDir);

    // An MP4 cut short before its index (moov at the end): unreadable.
    const whole = await readFile(await makeClip({ dir, durationSec: 2, name: "whole" }));
    const cut = join(dir, "cut.mp4");
    await writeFile(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    expect((await upload(cut)).status).toBe(422);

    const wrongField = await upload(await makeClip({ dir, durationSec: 1, name: "f" }), "video");
    expect(wrongField.status).toBe(400);
    expect(wrongField.body.error.message).toMatch(/field named "file"/);

    const text = await api("POST", "/api/v1/media", "hello", { headers: { "content-type": "text/plain" } });
    expect(text.status).toBe(415);
    expect(await leftOnDisk()).toEqual([]);
  });

  it(`refuses a 2 GB upload over PRISM_MEDIA_MAX_MB=${LIMIT_MB}: at once on its Content-Length, after the limit's bytes without one`, async () => {
    const declared = await hugeUpload(t, { "content-type": "video/mp4", "content-length": String(TWO_GB) }, 0);
    expect(declared.status).toBe(413);
    expect(declared.body.error).toMatchObject({ code: "media_too_large", details: { maxBytes: LIMIT_MB * 1024 * 1024 } });
    expect(declared.body.error.message).toMatch(/PRISM_MEDIA_MAX_MB/);

    // No length: counted as it arrives, refused just past the limit; the client never got to send 2 GB.
    const raw = await hugeUpload(t, { "content-type": "video/mp4", "transfer-encoding": "chunked" }, TWO_GB);
    expect(raw.status).toBe(413);
    expect(raw.sentBytes).toBeLessThan(64 * 1024 * 1024);

    const boundary = "----prismtest";
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.mp4"\r\nContent-Type: video/mp4\r\n\r\n`);
    const multipart = await hugeUpload(t, { "content-type": `multipart/form-data; boundary=${boundary}`, "transfer-encoding": "chunked" }, TWO_GB, head);
    expect(multipart.status).toBe(413);
    expect(multipart.sentBytes).toBeLessThan(64 * 1024 * 1024);
    expect(await leftOnDisk()).toEqual([]);
    // The service is fine afterwards.
    expect((await api("GET", "/api/v1/media")).status).toBe(200);
  });

  it("answered as documented on every media operation", () => {
    const ops = ["post /api/v1/media", "get /api/v1/media", "get /api/v1/media/{mediaId}", "delete /api/v1/media/{mediaId}"];
    expect(ops.filter((op) => !checker.exercised.has(op))).toEqual([]);
  });
});
