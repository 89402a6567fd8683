import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SessionTracker, MAX_CHATTERS, MAX_KEYS, type LiveFigures, type TrackerState } from "../../src/sessions/tracker.js";
import { reportCsv } from "../../src/sessions/report-csv.js";
import { openDatabase } from "../../src/db/client.js";
import { BroadcastSessionsRepo } from "../../src/db/broadcast-sessions-repo.js";
import { StreamsRepo } from "../../src/db/streams-repo.js";
import { SecretBox } from "../../src/secrets/secret-box.js";

const T0 = Date.parse("2026-12-06T20:00:00.000Z");
const s = (sec: number) => T0 + sec * 1000;
const iso = (sec: number) => new Date(s(sec)).toISOString();

function tracker(bucketSec = 60) {
  return SessionTracker.start({ sessionId: "sess-1", streamId: "stream-1", name: "Unit", at: T0 }, bucketSec * 1000);
}

describe("a session's counting (event timestamps, exact)", () => {
  it("a session taken over after its node died: goes on from its stored state, the gap counted as slate and as every live destination's outage", () => {
    const before = tracker(10);
    before.destinationState("a", "A", "twitch", "live", s(1), null);
    before.destinationState("b", "B", "custom", "stopped", s(2), null);
    before.sample(s(10), null);
    // The dead node's last stored state, as the new owner reads it from the store.
    const t = new SessionTracker(structuredClone(before.state) as TrackerState);
    t.resumedAfterGap(s(10), s(16), "Node node-a relaying this stream stopped answering.");
    t.destinationState("a", "A", "twitch", "connecting", s(16), null);
    t.destinationState("a", "A", "twitch", "live", s(18), null);
    const minute = t.sample(s(20), null);
    expect(minute).toMatchObject({ index: 1, slateSec: 6, outages: ["a"] });
    const r = t.report(s(30), { reason: "publisher disconnected" });
    expect(r).toMatchObject({ id: "sess-1", startedAt: iso(0), durationSec: 30, slateSec: 6 });
    const [a, b] = r.destinations;
    expect(a).toMatchObject({ reconnects: 1, longestOutageSec: 8, outages: [{ from: iso(10), to: iso(18), sec: 8 }], warnings: ["Node node-a relaying this stream stopped answering."] });
    expect(b).toMatchObject({ outages: [], warnings: [] });
  });

  it("uptime, reconnects and outages of a destination: drops count until live again; a stop is no outage", () => {
    const t = tracker();
    t.destinationState("a", "A", "twitch", "connecting", s(0), null);
    t.destinationState("a", "A", "twitch", "live", s(1), null);
    t.destinationState("a", "A", "twitch", "reconnecting", s(10), "The platform closed the connection.");
    t.destinationState("a", "A", "twitch", "reconnecting", s(12), "The platform closed the connection.");
    t.destinationState("a", "A", "twitch", "live", s(15), null);
    t.destinationState("a", "A", "twitch", "reconnecting", s(20), "Connection refused.");
    t.destinationState("a", "A", "twitch", "failed", s(22), "Connection refused.");
    t.destinationState("b", "B", "custom", "live", s(2), null);
    t.destinationState("b", "B", "custom", "stopped", s(12), null);
    const r = t.report(s(30), { reason: "publisher disconnected" });
    const [a, b] = r.destinations;
    expect(a).toMatchObject({ id: "a", platform: "twitch", reconnects: 1, longestOutageSec: 10, uptimePct: 46.7 });
    expect(a!.outages).toEqual([
      { from: iso(10), to: iso(15), sec: 5 },
      { from: iso(20), to: iso(30), sec: 10 },
    ]);
    expect(a!.warnings).toEqual(["The platform closed the connection.", "Connection refused."]);
    expect(b).toMatchObject({ reconnects: 0, longestOutageSec: 0, outages: [], uptimePct: 33.3 });
    expect(r).toMatchObject({ durationSec: 30, endedAt: iso(30), endReason: "publisher disconnected" });
  });

  it("slate time (a loss never resumed runs to the end) and encoder switches", () => {
    const t = tracker();
    t.ingestLost(s(5));
    t.ingestLost(s(6)); // a stall noticed after the drop: still the same slate stretch
    expect(t.sample(s(7), null).slateSec).toBe(2);
    t.ingestResumed(s(8));
    t.switched();
    t.switched();
    expect(t.sample(s(20), null).slateSec).toBe(1);
    t.ingestLost(s(25));
    expect(t.sample(s(28), null).slateSec).toBe(3);
    expect(t.report(s(30), { reason: "slate ran out" })).toMatchObject({ slateSec: 8, switches: 2 });
  });

  it("viewers: the total's peak and when, per platform (destinations of one platform summed), 'hidden' said as such", () => {
    const t = tracker();
    const poll = (destinationId: string, platform: string, viewers: { count: number; at: string } | { unavailable: string }, sec: number) =>
      t.viewers({ streamId: "stream-1", sessionId: "sess-1", destinationId, platform, viewers, at: iso(sec) });
    poll("yt", "youtube", { unavailable: "hidden" }, 1);
    poll("tw1", "twitch", { count: 10, at: iso(1) }, 1);
    poll("tw2", "twitch", { count: 5, at: iso(2) }, 2);
    poll("tc", "twitcasting", { count: 7, at: iso(3) }, 3);
    poll("tw1", "twitch", { count: 4, at: iso(4) }, 4);
    const r = t.report(s(10));
    expect(r.viewers.peak).toBe(22);
    expect(r.viewers.peakAt).toBe(iso(3));
    expect(r.viewers.byPlatform.twitch).toEqual({ peak: 15, peakAt: iso(2), average: 15 });
    expect(r.viewers.byPlatform.youtube).toEqual({ peak: null, peakAt: null, average: null, unavailable: "hidden" });
    // The bucket carries each platform's count at its end; averages come from the buckets.
    expect(t.sample(s(60), null).viewers).toEqual({ twitch: 9, twitcasting: 7 });
    expect(t.report(s(60)).viewers.byPlatform.twitch!.average).toBe(9);
  });

  it("chat and engagement: messages, unique chatters per platform, kinds and amounts by currency", () => {
    const t = tracker();
    const c = (platform: string, author: string, extra: object = {}) => t.comment({ platform, author: { id: author }, ...extra });
    c("twitch", "1");
    c("twitch", "1");
    c("twitch", "2");
    c("youtube", "1");
    c("twitch", "3", { kind: "paid", amount: { value: 100, currency: "BITS" } });
    c("youtube", "9", { kind: "paid", amount: { value: 4.99, currency: "USD" } });
    c("youtube", "9", { kind: "membership" });
    c("twitch", "4", { kind: "raid" });
    const r = t.report(s(10));
    expect(r.chat).toEqual({ messages: 4, uniqueChatters: 6, byPlatform: { twitch: { messages: 3, uniqueChatters: 4 }, youtube: { messages: 1, uniqueChatters: 2 } } });
    expect(r.engagement).toEqual({
      events: 4,
      byKind: { paid: 2, membership: 1, raid: 1 },
      amounts: { BITS: 100, USD: 4.99 },
      byPlatform: { twitch: { events: 2, amounts: { BITS: 100 } }, youtube: { events: 2, amounts: { USD: 4.99 } } },
    });
    const minute = t.sample(s(60), null);
    expect(minute).toMatchObject({ index: 0, chat: { twitch: 3, youtube: 1 }, engagement: { twitch: 2, youtube: 2 } });
    expect(t.sample(s(120), null)).toMatchObject({ index: 1, chat: {}, engagement: {} });
  });

  it("keeps at most MAX_KEYS currencies (what a platform sends is bounded before it is counted)", () => {
    const t = tracker();
    for (let i = 0; i < MAX_KEYS + 10; i++) t.comment({ platform: "youtube", author: { id: "rich" }, kind: "paid", amount: { value: 1, currency: `C${i}${"x".repeat(100)}` } });
    const r = t.report(s(1));
    expect(Object.keys(r.engagement.amounts)).toHaveLength(MAX_KEYS);
    expect(Object.keys(r.engagement.amounts).every((c) => c.length <= 16)).toBe(true);
    expect(r.engagement.events).toBe(MAX_KEYS + 10);
  });

  it("remembers at most MAX_CHATTERS unique chatters (a bound on memory and on the stored state)", () => {
    const t = tracker();
    for (let i = 0; i < MAX_CHATTERS + 500; i++) t.comment({ platform: "twitch", author: { id: `u${i}` } });
    expect(t.report(s(1)).chat.uniqueChatters).toBe(MAX_CHATTERS);
    expect(t.report(s(1)).chat.messages).toBe(MAX_CHATTERS + 500);
  });

  it("restored from its stored state (after a crash), gives the same report", () => {
    const t = tracker();
    t.destinationState("a", "A", "twitch", "live", s(1), null);
    t.destinationState("a", "A", "twitch", "reconnecting", s(40), "closed");
    t.comment({ platform: "twitch", author: { id: "x" } });
    t.ingestLost(s(50));
    t.sample(s(60), { ingest: { bitrateKbps: 3000, fps: 30, source: "slate" }, outputs: [{ id: "a", name: "A", state: "reconnecting", bitrateKbps: 0, bytesOut: 15_000_000, warnings: ["Twitch wants keyframes every 2 s."] }] });
    const restored = new SessionTracker(JSON.parse(JSON.stringify(t.state)) as TrackerState);
    expect(restored.report(s(60), { reason: "x" })).toEqual(t.report(s(60), { reason: "x" }));
    const a = restored.report(s(60)).destinations[0]!;
    expect(a.avgBitrateKbps).toBe(Math.round((15_000_000 * 8) / 39_000));
    expect(a.warnings).toContain("Twitch wants keyframes every 2 s.");
  });

  it("the CSV: one figure a row, quoted as RFC 4180 says, formulas defused", () => {
    const t = tracker();
    t.destinationState("a", '=HYPERLINK("x"), "A"', "custom", "live", s(0), null);
    const csv = reportCsv(t.report(s(10), { reason: "done" }));
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe("section,id,name,metric,value");
    expect(lines).toContain(`destination,a,"'=HYPERLINK(""x""), ""A""",uptimePct,100`);
    expect(lines).toContain("session,sess-1,Unit,durationSec,10");
  });
});

describe("the stored series", () => {
  const open: Array<() => void> = [];
  afterEach(() => open.splice(0).forEach((close) => close()));

  function setup() {
    const database = openDatabase(join(mkdtempSync(join(tmpdir(), "prism-sessions-")), "prism.sqlite"));
    open.push(database.close);
    const stream = new StreamsRepo(database.db, new SecretBox("0123456789abcdef0123456789abcdef")).create("Series");
    const sqlite = (database.db as unknown as { $client: import("better-sqlite3").Database }).$client;
    return { repo: new BroadcastSessionsRepo(database.db), streamId: stream.id, sqlite };
  }

  /** Four destinations on four platforms, chat and viewers on each, every minute. */
  function record(repo: BroadcastSessionsRepo, streamId: string, id: string, minutes: number, start = T0) {
    const t = SessionTracker.start({ sessionId: id, streamId, name: "Two hours", at: start }, 60_000);
    repo.open({ id, streamId, startedAt: new Date(start), bucketSec: 60, state: t.state });
    const platforms = ["twitch", "youtube", "twitcasting", "x"];
    const ids = platforms.map((p) => `${p}-0b8e2d4f-6a1c-4e5b-8d9f-1a3c5e7b9d2f`);
    platforms.forEach((p, i) => t.destinationState(ids[i]!, p, p, "live", start, null));
    for (let m = 1; m <= minutes; m++) {
      platforms.forEach((p, i) => {
        t.viewers({ streamId, sessionId: id, destinationId: ids[i]!, platform: p, viewers: { count: 1000 + m, at: "" }, at: new Date(start + m * 60_000).toISOString() });
        for (let k = 0; k < 30; k++) t.comment({ platform: p, author: { id: `${p}-${m}-${k % 7}` } });
      });
      t.comment({ platform: "youtube", author: { id: "fan" }, kind: "paid", amount: { value: 5, currency: "USD" } });
      const figures: LiveFigures = {
        ingest: { bitrateKbps: 6000, fps: 60, source: "publisher" },
        outputs: ids.map((oid, i) => ({ id: oid, name: platforms[i]!, state: "live", bitrateKbps: 5990, bytesOut: m * 45_000_000, warnings: [] })),
      };
      repo.saveBucket(id, t.sample(start + m * 60_000, figures), t.state);
    }
    const report = t.report(start + minutes * 60_000, { reason: "publisher disconnected" });
    return { t, report };
  }

  it("a 2-hour session is 120 rows of under 1 KB each, plus one session row", () => {
    const { repo, streamId, sqlite } = setup();
    const { report } = record(repo, streamId, "two-hours", 120);
    repo.close("two-hours", new Date(report.endedAt!), report);
    const series = repo.series("two-hours");
    expect(series).toHaveLength(120);
    expect(series[119]).toMatchObject({ index: 119, viewers: { twitch: 1120 }, chat: { twitch: 30 } });
    const { rows, bytes } = sqlite.prepare("SELECT count(*) AS rows, sum(length(data)) AS bytes FROM broadcast_session_minutes").get() as { rows: number; bytes: number };
    const session = sqlite.prepare("SELECT length(state) + length(report) AS bytes FROM broadcast_sessions").get() as { bytes: number };
    expect(rows).toBe(120);
    expect(bytes / rows).toBeLessThan(1024);
    // The state holds the unique chatters (here 4 × 7 × 120): the part that grows with the audience.
    expect(session.bytes).toBeLessThan(200 * 1024);
    console.info(`2-hour session: ${rows} series rows, ${bytes} bytes of series JSON (${Math.round(bytes / rows)} per row); session row ${session.bytes} bytes`);
  });

  it("prunes sessions that ended before the retention cut, with their series; open and newer ones stay", () => {
    const { repo, streamId } = setup();
    const old = record(repo, streamId, "old", 3, s(-86_400 * 40));
    repo.close("old", new Date(old.report.endedAt!), old.report);
    const recent = record(repo, streamId, "recent", 3, s(-3600));
    repo.close("recent", new Date(recent.report.endedAt!), recent.report);
    record(repo, streamId, "open", 2, s(-86_400 * 40));
    expect(repo.prune(new Date(s(-86_400 * 30)))).toBe(1);
    expect(repo.get("old")).toBeUndefined();
    expect(repo.series("old")).toEqual([]);
    expect(repo.listForStream(streamId, 10).map((x) => x.id)).toEqual(["recent", "open"]);
    expect(repo.unfinished().map((x) => x.id)).toEqual(["open"]);
  });
});
