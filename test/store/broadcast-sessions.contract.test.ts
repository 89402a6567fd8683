import { expect, it } from "vitest";
import type { SessionMinute, SessionReport } from "../../src/core/session-report.js";
import { describeDialects, T0 } from "../support/dialects.js";

const minute = (index: number, bitrateKbps = 6000.5): SessionMinute => ({
  index,
  at: new Date(T0 + (index + 1) * 60_000).toISOString(),
  ingest: { bitrateKbps, fps: 29.97, source: "primary" },
  slateSec: 0,
  destinations: { "dest-1": { state: "live", bitrateKbps } },
  viewers: { twitch: 12 },
  chat: { twitch: 3 },
  engagement: {},
  outages: [],
});
const state = (n: number) => ({ buckets: n, peakViewers: { twitch: 12 + n }, note: "ünïcødé ✓" });
// The report's shape is the recorder's business; the store keeps whatever JSON it is given.
const report = { durationSec: 3600.25, destinations: [{ id: "dest-1", liveSec: 3590 }] } as unknown as SessionReport;

describeDialects("broadcast sessions store", (open) => {
  it("opens a session once, keeps buckets and the running state together, and reads the series in order", async () => {
    const { store } = await open();
    const stream = await store.streams.create("Show");
    const s = { id: "sess-1", streamId: stream.id, startedAt: new Date(T0), bucketSec: 60, state: state(0) };
    await store.broadcastSessions.open(s);
    await store.broadcastSessions.open({ ...s, state: { replaced: true } });
    expect(await store.broadcastSessions.get("sess-1")).toEqual({ id: "sess-1", streamId: stream.id, startedAt: new Date(T0), endedAt: null, bucketSec: 60, state: state(0), report: null });
    await store.broadcastSessions.saveBucket("sess-1", minute(1), state(2));
    await store.broadcastSessions.saveBucket("sess-1", minute(0), state(1));
    await store.broadcastSessions.saveBucket("sess-1", minute(1, 4000), state(2));
    expect(await store.broadcastSessions.series("sess-1")).toEqual([minute(0), minute(1, 4000)]);
    expect((await store.broadcastSessions.get("sess-1"))!.state).toEqual(state(2));
    expect(await store.broadcastSessions.series("nope")).toEqual([]);
  });

  it("closes with a report, lists newest first, names the unfinished, prunes only ended ones with their series", async () => {
    const { store } = await open();
    const stream = await store.streams.create("Show");
    for (const n of [1, 2, 3]) await store.broadcastSessions.open({ id: `s${n}`, streamId: stream.id, startedAt: new Date(T0 + n * 1000), bucketSec: 60, state: {} });
    await store.broadcastSessions.saveBucket("s1", minute(0), {});
    expect(await store.broadcastSessions.close("s1", new Date(T0 + 10_000), report)).toBe(true);
    expect(await store.broadcastSessions.close("gone", new Date(T0), report)).toBe(false);
    expect(await store.broadcastSessions.get("s1")).toMatchObject({ endedAt: new Date(T0 + 10_000), report });
    expect((await store.broadcastSessions.listForStream(stream.id, 2)).map((s) => s.id)).toEqual(["s3", "s2"]);
    expect((await store.broadcastSessions.unfinished()).map((s) => s.id).sort()).toEqual(["s2", "s3"]);
    expect(await store.broadcastSessions.prune(new Date(T0 + 10_000))).toBe(0);
    expect(await store.broadcastSessions.prune(new Date(T0 + 10_001))).toBe(1);
    expect(await store.broadcastSessions.get("s1")).toBeUndefined();
    expect(await store.broadcastSessions.series("s1")).toEqual([]);
    await store.streams.delete(stream.id);
    expect(await store.broadcastSessions.unfinished()).toEqual([]);
  });
});
