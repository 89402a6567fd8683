import { describe, expect, it } from "vitest";
import { type TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { publishTestStream } from "../support/publisher.js";
import { HTTP_METHODS, OpenApiChecker, RECORDINGS_PATHS } from "../api/openapi-check.js";
import { parseMetrics, value } from "../support/metrics.js";
import { recordedStream, settledRecordings } from "./support.js";

describe("the recordings API answers as its OpenAPI document says", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p));

  it("every recordings, clips and markers operation, errors included; none left out", async () => {
    const doc = (await t.api("GET", "/api/v1/openapi.json", undefined, { token: null })).body;
    const checker = new OpenApiChecker(doc, { strict: true });
    const call = async (method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
      const res = await t.api(method, path, body, headers ? { headers } : {});
      checker.check(method, path, res);
      return res;
    };
    const expectStatus = async (status: number, answer: Promise<{ status: number; text: string; body: any }>) => {
      const res = await answer;
      expect(res.status, res.text.slice(0, 300)).toBe(status);
      return res.body;
    };

    const stream = await recordedStream(t, "Documented recording");
    await expectStatus(409, call("POST", `/api/v1/streams/${stream.id}/markers`, { label: "too early" }));
    await expectStatus(409, call("POST", `/api/v1/streams/${stream.id}/clips`, { lastSec: 5 }));
    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: 12, keyframeIntervalSec: 1 });
    expect(await publisher.publishing).toBe(true);
    await new Promise((r) => setTimeout(r, 3_000));
    const live = await expectStatus(200, call("GET", `/api/v1/streams/${stream.id}/recordings`));
    expect(live[0]).toMatchObject({ state: "recording", downloadUrl: null });
    await expectStatus(201, call("POST", `/api/v1/streams/${stream.id}/markers`, { label: "Here" }));
    await expectStatus(201, call("POST", `/api/v1/streams/${stream.id}/markers`));
    const liveClip = await expectStatus(201, call("POST", `/api/v1/streams/${stream.id}/clips`, { lastSec: 2 }));
    await expectStatus(400, call("POST", `/api/v1/streams/${stream.id}/clips`, { lastSec: -2 }));
    await expectStatus(400, call("POST", `/api/v1/streams/${stream.id}/markers`, { label: "" }));
    await expectStatus(404, call("POST", "/api/v1/streams/no-such-stream/markers", {}));
    await expectStatus(404, call("POST", "/api/v1/streams/no-such-stream/clips", {}));
    const unfinished = live[0].id as string;
    await expectStatus(409, call("DELETE", `/api/v1/recordings/${unfinished}`));
    await expectStatus(409, call("GET", `/api/v1/recordings/${unfinished}/download`));
    await expectStatus(409, call("POST", `/api/v1/recordings/${unfinished}/clips`, { startSec: 0, endSec: 1 }));
    expect((await publisher.exited).code).toBe(0);

    const [recording] = await settledRecordings(t, stream.id);
    await expectStatus(200, call("GET", `/api/v1/streams/${stream.id}/recordings`));
    await expectStatus(404, call("GET", "/api/v1/streams/no-such-stream/recordings"));
    const got = await expectStatus(200, call("GET", `/api/v1/recordings/${recording.id}`));
    expect(got.markers.map((m: { label: string | null }) => m.label)).toEqual(["Here", null]);
    await expectStatus(400, call("GET", "/api/v1/recordings/not-an-id"));
    await expectStatus(404, call("GET", `/api/v1/recordings/rec_${"f".repeat(32)}`));
    await expectStatus(200, call("GET", `/api/v1/recordings/${recording.id}/download`));
    await expectStatus(206, call("GET", `/api/v1/recordings/${recording.id}/download`, undefined, { range: "bytes=0-1023" }));
    await expectStatus(416, call("GET", `/api/v1/recordings/${recording.id}/download`, undefined, { range: `bytes=${recording.sizeBytes + 10}-` }));
    await expectStatus(404, call("GET", `/api/v1/recordings/rec_${"f".repeat(32)}/download`));

    const clip = await expectStatus(201, call("POST", `/api/v1/recordings/${recording.id}/clips`, { startSec: 1, endSec: 3, title: "Doc" }));
    await expectStatus(400, call("POST", `/api/v1/recordings/${recording.id}/clips`, { startSec: 3, endSec: 1 }));
    await expectStatus(404, call("POST", `/api/v1/recordings/rec_${"f".repeat(32)}/clips`, { startSec: 1, endSec: 3 }));
    const clips = await expectStatus(200, call("GET", `/api/v1/recordings/${recording.id}/clips`));
    expect(clips.map((c: { id: string }) => c.id)).toEqual([liveClip.id, clip.id]);
    await expectStatus(404, call("GET", `/api/v1/recordings/rec_${"f".repeat(32)}/clips`));
    await expectStatus(200, call("GET", `/api/v1/clips/${clip.id}`));
    await expectStatus(404, call("GET", `/api/v1/clips/clip_${"f".repeat(32)}`));
    await expectStatus(400, call("GET", "/api/v1/clips/..%2F..%2Fprism.sqlite"));
    await expectStatus(200, call("GET", `/api/v1/clips/${clip.id}/download`));
    await expectStatus(206, call("GET", `/api/v1/clips/${clip.id}/download`, undefined, { range: "bytes=-100" }));
    await expectStatus(416, call("GET", `/api/v1/clips/${clip.id}/download`, undefined, { range: `bytes=${clip.sizeBytes}-` }));
    await expectStatus(404, call("GET", `/api/v1/clips/clip_${"f".repeat(32)}/download`));
    const metrics = parseMetrics((await t.api("GET", "/metrics")).text);
    expect(value(metrics, "prism_clips_made_total", { kind: "live" })).toBe(1);
    expect(value(metrics, "prism_clips_made_total", { kind: "copy" })).toBe(1);
    expect(value(metrics, "prism_recording_bytes_written_total", { stream_id: stream.id })).toBeGreaterThan(100_000);
    expect(value(metrics, "prism_recordings_disk_free_bytes")).toBeGreaterThan(0);
    await expectStatus(204, call("DELETE", `/api/v1/clips/${clip.id}`));
    await expectStatus(404, call("DELETE", `/api/v1/clips/${clip.id}`));
    await expectStatus(204, call("DELETE", `/api/v1/recordings/${recording.id}`));
    await expectStatus(404, call("DELETE", `/api/v1/recordings/${recording.id}`));

    const documented = Object.entries<Record<string, unknown>>(doc.paths)
      .filter(([path]) => RECORDINGS_PATHS.test(path))
      .flatMap(([path, item]) => HTTP_METHODS.filter((m) => item[m]).map((m) => `${m} ${path}`));
    expect(documented).toHaveLength(11);
    const short = documented.filter((key) => {
      const seen = [...(checker.exercised.get(key) ?? [])];
      return !seen.some((s) => s.startsWith("2")) || !seen.some((s) => !s.startsWith("2"));
    });
    expect(short, "operations not exercised with a success and an error").toEqual([]);
  });
});
