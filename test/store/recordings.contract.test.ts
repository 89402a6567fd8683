import { expect, it } from "vitest";
import { CLIP_ID, DEFAULT_RECORDING_SETTINGS, RECORDING_ID } from "../../src/db/recordings-repo.js";
import type { ClipRow } from "../../src/db/schema/index.js";
import { describeDialects, T0, type DialectHarness } from "../support/dialects.js";

async function recording(h: DialectHarness, n: number, streamId = "stream-1") {
  const id = await h.store.recordings.newRecordingId();
  return h.store.recordings.create({ id, streamId, sessionId: `sess-${n}-${id}`, streamName: "Show", rawFile: `${id}.ts`, startedAt: T0 + n * 1000, includeSlate: true });
}

describeDialects("recordings store", (open) => {
  it("keeps per-stream settings: defaults, partial patches (null clears a retention), deletion", async () => {
    const { store } = await open();
    expect(await store.recordings.settings("s")).toEqual(DEFAULT_RECORDING_SETTINGS);
    expect(await store.recordings.updateSettings("s", { enabled: true, retention: { days: 7.5 } })).toEqual({ enabled: true, includeSlate: true, retention: { days: 7.5, maxGb: null } });
    expect(await store.recordings.updateSettings("s", { includeSlate: false, retention: { maxGb: 20, days: null } })).toEqual({ enabled: true, includeSlate: false, retention: { days: null, maxGb: 20 } });
    expect(await store.recordings.settings("s")).toEqual({ enabled: true, includeSlate: false, retention: { days: null, maxGb: 20 } });
    await Promise.all([store.recordings.updateSettings("t", { enabled: true }), store.recordings.updateSettings("t", { includeSlate: false })]);
    expect(await store.recordings.settings("t")).toMatchObject({ enabled: true, includeSlate: false });
    await store.recordings.deleteSettings("s");
    expect(await store.recordings.settings("s")).toEqual(DEFAULT_RECORDING_SETTINGS);
  });

  it("creates recordings as recording, updates them, lists by stream newest first and all oldest first, and names the unfinished", async () => {
    const h = await open();
    const { store } = h;
    const a = await recording(h, 1);
    const b = await recording(h, 2);
    const c = await recording(h, 3, "stream-2");
    expect(a.id).toMatch(RECORDING_ID);
    expect(a).toMatchObject({ state: "recording", note: null, mp4File: null, endedAt: null, durationSec: null, sizeBytes: 0, width: null });
    expect(await store.recordings.get(a.id)).toEqual(a);
    const big = 6 * 1024 ** 3;
    const done = await store.recordings.update(a.id, { state: "ready", mp4File: "a.mp4", endedAt: T0 + 9000, durationSec: 8.04, sizeBytes: big, videoCodec: "h264", width: 1920, height: 1080 });
    expect(done).toMatchObject({ state: "ready", durationSec: 8.04, sizeBytes: big, width: 1920 });
    await store.recordings.update(b.id, { state: "finalizing" });
    expect(await store.recordings.update("rec_nope", { state: "failed" })).toBeUndefined();
    expect((await store.recordings.listByStream("stream-1")).map((r) => r.id)).toEqual([b.id, a.id]);
    expect((await store.recordings.listAll()).map((r) => r.id)).toEqual([a.id, b.id, c.id]);
    expect((await store.recordings.unfinished()).map((r) => r.id).sort()).toEqual([b.id, c.id].sort());
  });

  it("keeps markers in time order and clips oldest first; deleting a recording takes its markers and clips", async () => {
    const h = await open();
    const { store } = h;
    const r = await recording(h, 1);
    const late = await store.recordings.addMarker(r.id, 90.5, "goal");
    const early = await store.recordings.addMarker(r.id, 12.25, null);
    expect(await store.recordings.markers(r.id)).toEqual([early, late]);
    const clipId = await store.recordings.newClipId();
    expect(clipId).toMatch(CLIP_ID);
    const clip: ClipRow = { id: clipId, recordingId: r.id, streamId: "stream-1", title: "Goal", requestedStartSec: 80, startSec: 79.96, endSec: 100.02, durationSec: 20.06, precise: false, file: "c.mp4", sizeBytes: 1234, createdAt: T0 };
    expect(await store.recordings.addClip(clip)).toEqual(clip);
    const second = { ...clip, id: await store.recordings.newClipId(), precise: true, createdAt: T0 + 1 };
    await store.recordings.addClip(second);
    expect(await store.recordings.clip(clip.id)).toEqual(clip);
    expect((await store.recordings.clipsOf(r.id)).map((c) => c.id)).toEqual([clip.id, second.id]);
    expect(await store.recordings.deleteClip(second.id)).toBe(true);
    expect(await store.recordings.deleteClip(second.id)).toBe(false);
    expect(await store.recordings.delete(r.id)).toBe(true);
    expect(await store.recordings.delete(r.id)).toBe(false);
    expect(await store.recordings.markers(r.id)).toEqual([]);
    expect(await store.recordings.clip(clip.id)).toBeUndefined();
  });
});
