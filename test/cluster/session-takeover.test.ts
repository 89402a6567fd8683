import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/pg.js";
import { startNats, type TestNats } from "../support/nats.js";
import { startTestPrism, TEST_DESTINATION_ALLOW, TEST_TOKEN, waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { killAll, withTimeout } from "../support/children.js";
import { freePort, waitForListening } from "../support/ports.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";
import { spawnCli } from "../cli/run-cli.js";

interface Minute {
  index: number;
  at: string;
  slateSec: number;
}

/**
 * A node dies mid-broadcast and another takes its stream over: the broadcast session goes on (one session, one
 * report, the gap marked) and the new owner's recording joins it. A node joining the cluster leaves the sessions
 * and recordings live on other nodes alone in its start-up repair.
 */
describe("a broadcast session across nodes of a cluster", () => {
  let nats: TestNats;
  let db: TestDatabase;
  let b: TestPrism;
  const started: TestPrism[] = [];

  // Every node shares the master key; buckets of 1 s so the dead node's last record is recent.
  const clusterEnv = (nodeId: string) => ({
    PRISM_DATABASE_URL: db.url,
    PRISM_NATS_URL: nats.url,
    PRISM_NODE_ID: nodeId,
    PRISM_CLUSTER_LEASE_MS: "3000",
    PRISM_SECRET: "cluster-test-master-secret-0123456789abcdef",
    PRISM_SESSION_BUCKET_SEC: "1",
  });

  beforeAll(async () => {
    [nats, db] = await Promise.all([startNats(), createTestDatabase()]);
    b = await startTestPrism({ env: clusterEnv("node-b") });
    started.push(b);
  });
  afterAll(async () => {
    for (const t of started.reverse()) await t.stop();
    await killAll();
    await nats?.dispose().catch(() => undefined);
    await db?.drop();
    await removeTempDirs();
  });

  /** A recorded stream with one destination (a receiver standing in for a platform), made through node B. */
  async function recordedStream(name: string) {
    const stream = (await b.api("POST", "/api/v1/streams", { name })).body;
    expect((await b.api("PATCH", `/api/v1/streams/${stream.id}`, { recording: { enabled: true } })).status).toBe(200);
    const dir = await makeTempDir("prism-takeover-receiver-");
    const receiver = await startRtmpReceiver({ dir, name: "first" });
    const destination = (await b.api("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "custom", name: "Platform", url: receiver.url, streamKey: receiver.key })).body;
    return { stream, receiver, destination, dir };
  }

  const sessionsOf = async (t: TestPrism, streamId: string) => (await t.api("GET", `/api/v1/streams/${streamId}/sessions`)).body.sessions as Array<{ id: string; endedAt: string | null }>;
  const recordingsOf = async (t: TestPrism, streamId: string) => (await t.api("GET", `/api/v1/streams/${streamId}/recordings`)).body as Array<{ id: string; sessionId: string; state: string; note: string | null; startedAt: string; durationSec: number | null; videoCodec: string | null }>;
  const seriesOf = async (t: TestPrism, sessionId: string) => (await t.api("GET", `/api/v1/sessions/${sessionId}/series`)).body.minutes as Minute[];

  it("keeps the session when the stream's node is killed and its publisher reconnects to another: one session, one report with the gap, one recording going on from the takeover", async () => {
    const { stream, receiver, destination, dir } = await recordedStream("Survives a node");
    // Node A: a real process, so it can die as a crashed machine does (SIGKILL, nothing written on the way out).
    const aDir = await makeTempDir("prism-node-a-");
    const [rtmpPort, httpPort] = [await freePort(), await freePort()];
    const aEnv = {
      ...clusterEnv("node-a"),
      PRISM_HOST: "127.0.0.1",
      PRISM_RTMP_PORT: String(rtmpPort),
      PRISM_HTTP_PORT: String(httpPort),
      PRISM_DATA_DIR: aDir,
      PRISM_API_TOKEN: TEST_TOKEN,
      PRISM_DESTINATION_ALLOW: TEST_DESTINATION_ALLOW,
      PRISM_OUTPUT_CONNECT_TIMEOUT_MS: "3000",
      PRISM_LOG_FORMAT: "json",
    };
    const a = spawnCli(["start"], aEnv);
    await waitForListening(httpPort, 30_000, { pid: a.pid, abortOn: a.exited });

    const onA = publishTestStream({ url: `rtmp://127.0.0.1:${rtmpPort}/live/${stream.streamKey}`, durationSec: Infinity });
    expect(await withTimeout(onA.publishing, 20_000, "publish to node A")).toBe(true);
    const [session] = await waitFor(async () => {
      const listed = await sessionsOf(b, stream.id);
      return listed.length === 1 ? listed : null;
    }, { timeoutMs: 15_000, what: "node A's session in the shared store" });
    await withTimeout(receiver.connected, 20_000, "the destination receiving from node A");
    await waitFor(async () => (await recordingsOf(b, stream.id)).some((r) => r.state === "recording"), { timeoutMs: 15_000, what: "node A recording" });
    await waitFor(async () => (await seriesOf(b, session!.id)).length >= 3, { timeoutMs: 15_000, what: "three of node A's buckets stored" });

    const killedAt = Date.now();
    a.process.kill("SIGKILL");
    await withTimeout(a.exited, 10_000, "node A killed");
    await withTimeout(receiver.exited, 15_000, "the destination's connection from node A gone");
    const aMinutes = await seriesOf(b, session!.id);
    const lastOfA = Date.parse(aMinutes.at(-1)!.at);
    // The platform takes the next connection on the same address, as a real ingest does.
    const again = await startRtmpReceiver({ dir, name: "second", port: receiver.port, key: receiver.key });

    // OBS reconnects through the load balancer and lands on node B, which waits for A's lease to lapse.
    const onB = publishTestStream({ url: b.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await withTimeout(onB.publishing, 20_000, "publish to node B")).toBe(true);
    expect(b.logs()).toContain("took the stream over from a node that stopped answering");
    await waitFor(() => b.logs().includes("continuing the broadcast session of a stream taken over"), { what: "node B to continue the session" });
    await withTimeout(again.connected, 20_000, "the destination receiving from node B");
    await waitFor(async () => (await seriesOf(b, session!.id)).length >= aMinutes.length + 2, { timeoutMs: 15_000, what: "node B's buckets in the same session" });
    await withTimeout(onB.stop(), 15_000, "publisher on node B stops");

    const report = await waitFor(async () => {
      const { body } = await b.api("GET", `/api/v1/sessions/${session!.id}`);
      return body?.endedAt ? body : null;
    }, { timeoutMs: 15_000, what: "the session's report" });
    // One session for the stream, the one node A began.
    expect((await sessionsOf(b, stream.id)).map((s) => s.id)).toEqual([session!.id]);
    expect(Date.parse(report.startedAt)).toBeLessThan(killedAt);
    expect(report.durationSec).toBeCloseTo((Date.parse(report.endedAt) - Date.parse(report.startedAt)) / 1000, 0);
    // The gap: from A's last stored bucket (at least the last one read before the kill) to B's takeover.
    const takeover = b.logs().split("\n").find((l) => l.includes("continuing the broadcast session"));
    const gapSec = JSON.parse(takeover!).gapSec as number;
    expect(gapSec).toBeGreaterThan((killedAt - lastOfA) / 1000);
    expect(report.slateSec).toBeGreaterThanOrEqual(gapSec);
    const platform = report.destinations.find((d: { id: string }) => d.id === destination.id);
    expect(platform.reconnects).toBe(1);
    expect(platform.warnings.join(" ")).toContain("Node node-a relaying this stream stopped answering");
    const outage = platform.outages.at(-1);
    expect(Date.parse(outage.from)).toBeLessThanOrEqual(killedAt);
    expect(outage.sec).toBeGreaterThanOrEqual(gapSec);
    // The series goes on where A's stopped, its next bucket carrying the gap.
    const minutes = await seriesOf(b, session!.id);
    expect(minutes.map((m) => m.index)).toEqual(minutes.map((_, i) => i));
    expect(minutes[aMinutes.length]!.slateSec).toBeGreaterThan(0);
    const reported = await waitFor(async () => {
      const { body } = await b.api("GET", "/api/v1/events?type=session.report_ready");
      const mine = (body as Array<{ data: { id: string } }>).filter((e) => e.data.id === session!.id);
      return mine.length > 0 ? mine : null;
    }, { what: "session.report_ready in the event log" });
    expect(reported).toHaveLength(1);

    // One recording for the session: node A's row goes on on node B (from the takeover), its note marking the gap
    // and where the part before it is (a file on node A's disk).
    const [ofA] = await recordingsOf(b, stream.id);
    const recording = await waitFor(async () => {
      const listed = await recordingsOf(b, stream.id);
      return listed.length === 1 && listed[0]!.state === "ready" ? listed[0] : null;
    }, { timeoutMs: 30_000, what: "the session's recording ready" });
    expect(recording).toMatchObject({ id: ofA!.id, sessionId: session!.id, videoCodec: "h264" });
    expect(Date.parse(recording.startedAt)).toBeGreaterThan(killedAt);
    expect(recording.note).toContain("after node node-a stopped answering mid-session");
    expect(recording.note).toContain(`stays on node node-a's as ${ofA!.id}.flv`);
    expect(recording.durationSec).toBeGreaterThan(1);
    expect(existsSync(join(aDir, "recordings", `${ofA!.id}.flv`))).toBe(true);

    // Node A comes back: the session (closed by B) and the recording (finished by B) are left as they are.
    const back = await startTestPrism({ dataDir: aDir, env: clusterEnv("node-a") });
    started.push(back);
    expect(back.logs()).not.toContain("closing a broadcast session left open");
    expect(((await b.api("GET", "/api/v1/events?type=session.report_ready")).body as Array<{ data: { id: string } }>).filter((e) => e.data.id === session!.id)).toHaveLength(1);
    expect(await recordingsOf(b, stream.id)).toMatchObject([{ id: ofA!.id, state: "ready", note: recording.note }]);
  });

  it("leaves a session and recording live on another node alone when a node joins the cluster", async () => {
    const { stream, receiver } = await recordedStream("Live elsewhere");
    const publisher = publishTestStream({ url: b.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await withTimeout(publisher.publishing, 20_000, "publish to node B")).toBe(true);
    const [session] = await waitFor(async () => {
      const listed = await sessionsOf(b, stream.id);
      return listed.length === 1 ? listed : null;
    }, { timeoutMs: 15_000, what: "the session on node B" });
    await waitFor(async () => (await recordingsOf(b, stream.id)).some((r) => r.state === "recording"), { timeoutMs: 15_000, what: "node B recording" });

    // Node C starts: its start-up repair sees B's open session and unfinished recording in the shared store.
    const c = await startTestPrism({ env: clusterEnv("node-c") });
    started.push(c);
    expect(c.logs()).toContain("leaving a broadcast session open: its stream is live on another node");
    await waitFor(() => c.logs().includes("leaving an unfinished recording alone"), { what: "node C to leave B's recording alone" });
    expect(c.logs()).not.toContain("closing a broadcast session left open");
    expect(c.logs()).not.toContain("finishing a recording left unfinished");
    const { body: live } = await c.api("GET", `/api/v1/sessions/${session!.id}`);
    expect(live.endedAt).toBeNull();
    expect((await recordingsOf(c, stream.id)).map((r) => r.state)).toEqual(["recording"]);

    // B ends it as usual: one report, the recording made ready once.
    await withTimeout(receiver.connected, 20_000, "the destination receiving");
    await withTimeout(publisher.stop(), 15_000, "publisher stops");
    const report = await waitFor(async () => {
      const { body } = await c.api("GET", `/api/v1/sessions/${session!.id}`);
      return body?.endedAt ? body : null;
    }, { timeoutMs: 15_000, what: "the session's report" });
    expect(report.endReason).not.toBe("Prism stopped unexpectedly");
    await waitFor(async () => (await recordingsOf(c, stream.id)).every((r) => r.state === "ready"), { timeoutMs: 30_000, what: "the recording ready" });
  });
});
