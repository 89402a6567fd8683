import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { publishTestStream } from "../support/publisher.js";
import { overLimits } from "../../src/recordings/retention.js";
import type { RecordingRow } from "../../src/db/schema/index.js";
import { recordedStream, settledRecordings } from "./support.js";

const QUOTA_GB = 0.0007; // ~751 KB: one or two 5 s sessions at 500 kb/s, never three
const QUOTA = Math.round(QUOTA_GB * 1024 ** 3);

describe("retention", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p), { PRISM_RECORDINGS_MAX_GB: String(QUOTA_GB) });

  const session = async (streamKey: string) => {
    const publisher = publishTestStream({ url: t.publishUrl(streamKey), durationSec: 5 });
    expect((await publisher.exited).code).toBe(0);
  };
  const filesOnDisk = () => readdirSync(join(t.dataDir, "recordings")).filter((f) => f.endsWith(".mp4"));

  it("keeps all recordings under PRISM_RECORDINGS_MAX_GB, deleting the oldest first, files and all", async () => {
    const stream = await recordedStream(t, "Quota");
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      await session(stream.streamKey);
      const list = await settledRecordings(t, stream.id);
      made.push(list[0].id);
      await new Promise((r) => setTimeout(r, 300));
    }
    const kept = (await t.api("GET", `/api/v1/streams/${stream.id}/recordings`)).body as Array<{ id: string; sizeBytes: number }>;
    const keptIds = kept.map((r) => r.id);
    // Newest first, and only the newest: what is gone is the oldest.
    expect(keptIds).toEqual(made.slice(made.length - kept.length).reverse());
    expect(kept.length).toBeLessThan(3);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.reduce((sum, r) => sum + r.sizeBytes, 0)).toBeLessThanOrEqual(QUOTA);
    expect(filesOnDisk().sort()).toEqual(keptIds.map((id) => `${id}.mp4`).sort());
    for (const id of made.filter((m) => !keptIds.includes(m))) expect((await t.api("GET", `/api/v1/recordings/${id}`)).status).toBe(404);
  });

  it("applies a stream's own retention as soon as it is set, to that stream only", async () => {
    const mine = await recordedStream(t, "Tight");
    await session(mine.streamKey);
    await settledRecordings(t, mine.id);
    // The global quota runs right after a recording is ready; let it finish before counting the others.
    await new Promise((r) => setTimeout(r, 500));
    const others = (await t.api("GET", "/api/v1/streams")).body.filter((s: { id: string }) => s.id !== mine.id);
    const before = await Promise.all(others.map(async (s: { id: string }) => (await t.api("GET", `/api/v1/streams/${s.id}/recordings`)).body.length));
    const patched = await t.api("PATCH", `/api/v1/streams/${mine.id}`, { recording: { retention: { maxGb: 0.0000001 } } });
    expect(patched.body.recording).toEqual({ enabled: true, includeSlate: true, retention: { days: null, maxGb: 0.0000001 } });
    await expect.poll(async () => (await t.api("GET", `/api/v1/streams/${mine.id}/recordings`)).body.length).toBe(0);
    const after = await Promise.all(others.map(async (s: { id: string }) => (await t.api("GET", `/api/v1/streams/${s.id}/recordings`)).body.length));
    expect(after).toEqual(before);
  });

  it("deletes a stream's recordings, files and all, with the stream", async () => {
    const stream = await recordedStream(t, "Short-lived");
    await session(stream.streamKey);
    const [recording] = await settledRecordings(t, stream.id);
    expect(filesOnDisk()).toContain(`${recording.id}.mp4`);
    expect((await t.api("DELETE", `/api/v1/streams/${stream.id}`)).status).toBe(204);
    await expect.poll(() => filesOnDisk().includes(`${recording.id}.mp4`)).toBe(false);
    expect((await t.api("GET", `/api/v1/recordings/${recording.id}`)).status).toBe(404);
  });

  it("refuses retention settings that make no sense", async () => {
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Bad retention" });
    for (const recording of [{ retention: { days: 0 } }, { retention: { maxGb: -1 } }, { enabled: "yes" }, { retention: { weeks: 2 } }, { extra: true }]) {
      const res = await t.api("PATCH", `/api/v1/streams/${stream.id}`, { recording });
      expect(res.status, JSON.stringify(recording)).toBe(400);
    }
    expect((await t.api("GET", `/api/v1/streams/${stream.id}`)).body.recording).toEqual({ enabled: false, includeSlate: true, retention: { days: null, maxGb: null } });
  });
});

describe("overLimits", () => {
  const day = 86_400_000;
  const now = Date.UTC(2026, 0, 31);
  const row = (id: string, daysAgo: number, size: number, state = "ready") => ({ id, startedAt: now - daysAgo * day, sizeBytes: size, state }) as RecordingRow;
  const rows = [row("a", 40, 100), row("b", 20, 100), row("c", 5, 100), row("d", 1, 100), row("live", 0, 100, "recording")];
  const ids = (list: RecordingRow[]) => list.map((r) => r.id);

  it("deletes what is older than the day limit, then the oldest until the size limit holds, never a recording in progress", () => {
    expect(ids(overLimits(rows, { days: 30, maxBytes: null }, (r) => r.sizeBytes, now))).toEqual(["a"]);
    expect(ids(overLimits(rows, { days: null, maxBytes: 250 }, (r) => r.sizeBytes, now))).toEqual(["a", "b", "c"]);
    expect(ids(overLimits(rows, { days: 10, maxBytes: 350 }, (r) => r.sizeBytes, now))).toEqual(["a", "b"]);
    expect(ids(overLimits(rows, { days: null, maxBytes: 0 }, (r) => r.sizeBytes, now))).toEqual(["a", "b", "c", "d"]);
    expect(ids(overLimits(rows, { days: null, maxBytes: null }, (r) => r.sizeBytes, now))).toEqual([]);
  });

  it("counts a recording's clips with it", () => {
    expect(ids(overLimits(rows, { days: null, maxBytes: 400 }, (r) => (r.id === "d" ? 250 : r.sizeBytes), now))).toEqual(["a", "b", "c"]);
  });
});
