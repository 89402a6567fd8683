import { cpSync, readdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { killAll } from "../support/children.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";

/**
 * A crash mid-session: the data dir as a crash would leave it is a consistent snapshot of the SQLite
 * file taken while the session is live (SQLite's backup API: every committed transaction, nothing
 * after). Prism started on it closes the session at its last stored bucket and reports it.
 */
describe("a broadcast session Prism did not get to end", () => {
  const running: TestPrism[] = [];
  afterAll(async () => {
    await killAll();
    for (const t of running) await t.stop();
    await removeTempDirs();
  });

  it("is closed at its last bucket on the next start, reported once, with what was counted until then", async () => {
    const t = await startTestPrism({ env: { PRISM_SESSION_BUCKET_SEC: "1", PRISM_LOG_LEVEL: "info" } });
    running.push(t);
    const dir = await makeTempDir("prism-session-crash-");
    const receiver = await startRtmpReceiver({ dir });
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Crashy" });
    const { body: dest } = await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { name: "Receiver", url: receiver.url, streamKey: receiver.key });
    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await publisher.publishing).toBe(true);
    const sessionId = await waitFor(async () => (await t.api("GET", `/api/v1/streams/${stream.id}/sessions`)).body.sessions[0]?.id as string | undefined, { what: "session listed" });
    await waitFor(async () => (await t.api("GET", `/api/v1/sessions/${sessionId}/series`)).body.minutes.length >= 3, { what: "three buckets stored" });

    // The crash image: a consistent copy of the database now, and the data dir's secrets.
    const crashDir = await makeTempDir("prism-crash-image-");
    for (const file of readdirSync(t.dataDir).filter((f) => !f.startsWith("prism.sqlite"))) cpSync(join(t.dataDir, file), join(crashDir, file), { recursive: true });
    const live = new Database(join(t.dataDir, "prism.sqlite"), { readonly: true });
    await live.backup(join(crashDir, "prism.sqlite"));
    live.close();
    await publisher.stop();
    await t.stop();
    running.pop();

    const image = new Database(join(crashDir, "prism.sqlite"), { readonly: true });
    const stored = image.prepare("SELECT max(idx) AS last, count(*) AS n FROM broadcast_session_minutes WHERE session_id = ?").get(sessionId) as { last: number; n: number };
    const lastAt = JSON.parse((image.prepare("SELECT data FROM broadcast_session_minutes WHERE session_id = ? AND idx = ?").get(sessionId, stored.last) as { data: string }).data).at;
    expect((image.prepare("SELECT ended_at FROM broadcast_sessions WHERE id = ?").get(sessionId) as { ended_at: number | null }).ended_at).toBeNull();
    image.close();

    const after = await startTestPrism({ dataDir: crashDir });
    running.push(after);
    const { body: report } = await after.api("GET", `/api/v1/sessions/${sessionId}`);
    expect(report).toMatchObject({ id: sessionId, streamId: stream.id, endedAt: lastAt, endReason: "Prism stopped unexpectedly" });
    expect(report.durationSec).toBeGreaterThanOrEqual(stored.n - 1);
    const d = report.destinations.find((x: { id: string }) => x.id === dest.id);
    expect(d).toMatchObject({ reconnects: 0, longestOutageSec: 0 });
    expect(d.uptimePct).toBeGreaterThan(50);
    expect(d.avgBitrateKbps).toBeGreaterThan(100);
    const { body: events } = await after.api("GET", "/api/v1/events?type=session.report_ready");
    expect(events.map((e: { data: { id: string } }) => e.data.id)).toEqual([sessionId]);
    expect(after.logs()).toContain("closing a broadcast session left open");

    // Reported once: a second start finds nothing left open.
    await after.stop();
    running.pop();
    const again = await startTestPrism({ dataDir: crashDir });
    running.push(again);
    expect((await again.api("GET", "/api/v1/events?type=session.report_ready")).body).toHaveLength(1);
  });
});
