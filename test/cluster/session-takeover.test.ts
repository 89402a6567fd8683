import { existsSync } from "node:fs";
import { copyFile, readdir, stat, truncate } from "node:fs/promises";
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
import { isMonotonic, maxGapSec, packetTimestamps } from "../support/probe.js";
import { download, playThroughErrors } from "../recordings/support.js";

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

  /** Node A: a real process, so it can die as a crashed machine does (SIGKILL, nothing written on the way out). */
  async function startNodeA(dataDir: string, nodeId: string) {
    const [rtmpPort, httpPort] = [await freePort(), await freePort()];
    const a = spawnCli(["start"], {
      ...clusterEnv(nodeId),
      PRISM_HOST: "127.0.0.1",
      PRISM_RTMP_PORT: String(rtmpPort),
      PRISM_HTTP_PORT: String(httpPort),
      PRISM_DATA_DIR: dataDir,
      PRISM_API_TOKEN: TEST_TOKEN,
      PRISM_DESTINATION_ALLOW: TEST_DESTINATION_ALLOW,
      PRISM_OUTPUT_CONNECT_TIMEOUT_MS: "3000",
      PRISM_LOG_FORMAT: "json",
    });
    await waitForListening(httpPort, 30_000, { pid: a.pid, abortOn: a.exited }).catch((err: Error) => {
      throw new Error(`${err.message}\n${a.stderrTail()}`);
    });
    return { a, rtmpPort };
  }

  /** OBS publishes to node A; node B sees the session it opened in the shared store. */
  async function publishToNodeA(rtmpPort: number, stream: { id: string; streamKey: string }) {
    const onA = publishTestStream({ url: `rtmp://127.0.0.1:${rtmpPort}/live/${stream.streamKey}`, durationSec: Infinity });
    expect(await withTimeout(onA.publishing, 20_000, "publish to node A")).toBe(true);
    const [session] = await waitFor(async () => {
      const listed = await sessionsOf(b, stream.id);
      return listed.length === 1 ? listed : null;
    }, { timeoutMs: 15_000, what: "node A's session in the shared store" });
    return { onA, session: session! };
  }

  const sessionsOf = async (t: TestPrism, streamId: string) => (await t.api("GET", `/api/v1/streams/${streamId}/sessions`)).body.sessions as Array<{ id: string; endedAt: string | null }>;
  const recordingsOf = async (t: TestPrism, streamId: string) => (await t.api("GET", `/api/v1/streams/${streamId}/recordings`)).body as Array<{ id: string; sessionId: string; state: string; note: string | null; startedAt: string; endedAt: string | null; durationSec: number | null; videoCodec: string | null; downloadUrl: string; markers: Array<{ atSec: number; label: string | null }> }>;
  const seriesOf = async (t: TestPrism, sessionId: string) => (await t.api("GET", `/api/v1/sessions/${sessionId}/series`)).body.minutes as Minute[];

  it("keeps the session when the stream's node is killed and its publisher reconnects to another: one session, one report with the gap, one recording going on from the takeover", async () => {
    const { stream, receiver, destination, dir } = await recordedStream("Survives a node");
    // Node A on a disk of its own: its part of the recording cannot be read by node B.
    const aDir = await makeTempDir("prism-node-a-");
    const { a, rtmpPort } = await startNodeA(aDir, "node-a");

    const { onA, session } = await publishToNodeA(rtmpPort, stream);
    await withTimeout(receiver.connected, 20_000, "the destination receiving from node A");
    await waitFor(async () => (await recordingsOf(b, stream.id)).some((r) => r.state === "recording"), { timeoutMs: 15_000, what: "node A recording" });
    await waitFor(async () => (await seriesOf(b, session.id)).length >= 3, { timeoutMs: 15_000, what: "three of node A's buckets stored" });

    const killedAt = Date.now();
    a.process.kill("SIGKILL");
    await withTimeout(a.exited, 10_000, "node A killed");
    await withTimeout(receiver.exited, 15_000, "the destination's connection from node A gone");
    const aMinutes = await seriesOf(b, session.id);
    const lastOfA = Date.parse(aMinutes.at(-1)!.at);
    // The platform takes the next connection on the same address, as a real ingest does.
    const again = await startRtmpReceiver({ dir, name: "second", port: receiver.port, key: receiver.key });

    // OBS reconnects through the load balancer and lands on node B, which waits for A's lease to lapse.
    const onB = publishTestStream({ url: b.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await withTimeout(onB.publishing, 20_000, "publish to node B")).toBe(true);
    expect(b.logs()).toContain("took the stream over from a node that stopped answering");
    await waitFor(() => b.logs().includes("continuing the broadcast session of a stream taken over"), { what: "node B to continue the session" });
    await withTimeout(again.connected, 20_000, "the destination receiving from node B");
    await waitFor(async () => (await seriesOf(b, session.id)).length >= aMinutes.length + 2, { timeoutMs: 15_000, what: "node B's buckets in the same session" });
    await withTimeout(onB.stop(), 15_000, "publisher on node B stops");

    const report = await waitFor(async () => {
      const { body } = await b.api("GET", `/api/v1/sessions/${session.id}`);
      return body?.endedAt ? body : null;
    }, { timeoutMs: 15_000, what: "the session's report" });
    // One session for the stream, the one node A began.
    expect((await sessionsOf(b, stream.id)).map((s) => s.id)).toEqual([session.id]);
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
    const minutes = await seriesOf(b, session.id);
    expect(minutes.map((m) => m.index)).toEqual(minutes.map((_, i) => i));
    expect(minutes[aMinutes.length]!.slateSec).toBeGreaterThan(0);
    const reported = await waitFor(async () => {
      const { body } = await b.api("GET", "/api/v1/events?type=session.report_ready");
      const mine = (body as Array<{ data: { id: string } }>).filter((e) => e.data.id === session.id);
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
    expect(recording).toMatchObject({ id: ofA!.id, sessionId: session.id, videoCodec: "h264" });
    expect(Date.parse(recording.startedAt)).toBeGreaterThan(killedAt);
    expect(recording.note).toContain("after node node-a stopped answering mid-session");
    expect(recording.note).toContain(`stays on node node-a's as ${ofA!.id}.flv`);
    expect(recording.durationSec).toBeGreaterThan(1);
    expect(existsSync(join(aDir, "recordings", `${ofA!.id}.flv`))).toBe(true);

    // Node A comes back: the session (closed by B) and the recording (finished by B) are left as they are.
    const back = await startTestPrism({ dataDir: aDir, env: clusterEnv("node-a") });
    started.push(back);
    expect(back.logs()).not.toContain("closing a broadcast session left open");
    expect(((await b.api("GET", "/api/v1/events?type=session.report_ready")).body as Array<{ data: { id: string } }>).filter((e) => e.data.id === session.id)).toHaveLength(1);
    expect(await recordingsOf(b, stream.id)).toMatchObject([{ id: ofA!.id, state: "ready", note: recording.note }]);
  });

  it("joins node A's part and node B's in one recording when both nodes share the data directory: both parts back to back, the join marked, the gap in the note", async () => {
    const { stream, receiver } = await recordedStream("Shared disk");
    // The documented layout: every node on the same data directory (a shared volume). Node A runs on node B's (under
    // a name of its own: the first case's node A is back in the cluster).
    const { a, rtmpPort } = await startNodeA(b.dataDir, "node-a-shared");
    const recordingsDir = join(b.dataDir, "recordings");

    const { onA, session } = await publishToNodeA(rtmpPort, stream);
    const ofA = await waitFor(async () => (await recordingsOf(b, stream.id)).find((r) => r.state === "recording"), { timeoutMs: 15_000, what: "node A recording" });
    await withTimeout(receiver.connected, 20_000, "the destination receiving from node A");
    await waitFor(async () => (await seriesOf(b, session.id)).length >= 4, { timeoutMs: 15_000, what: "four of node A's buckets stored" });

    const killedAt = Date.now();
    a.process.kill("SIGKILL");
    await withTimeout(a.exited, 10_000, "node A killed");
    // A process killed while writing leaves its last tag half written: cut a few bytes off, as a kill mid-write does.
    const aFile = join(recordingsDir, `${ofA.id}.flv`);
    await truncate(aFile, (await stat(aFile)).size - 7);
    // What node A left: read from a copy, as node B removes the part once it is in the MP4.
    const aPart = join(await makeTempDir("prism-node-a-part-"), "a.flv");
    await copyFile(aFile, aPart);
    const aVideo = await packetTimestamps(aPart, "video");
    const aSec = aVideo.at(-1)!;
    expect(aSec).toBeGreaterThan(2);

    const onB = publishTestStream({ url: b.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await withTimeout(onB.publishing, 20_000, "publish to node B")).toBe(true);
    const onBAt = Date.now();
    await waitFor(() => b.logs().includes("continuing the broadcast session of a stream taken over"), { what: "node B to continue the session" });
    await waitFor(async () => (await seriesOf(b, session.id)).length >= 8, { timeoutMs: 20_000, what: "node B's buckets in the same session" });
    // A marker set on node B's part lands after node A's part in the finished recording.
    const marked = await b.api("POST", `/api/v1/streams/${stream.id}/markers`, { label: "After the takeover" });
    expect(marked.status).toBe(201);
    const stoppedAt = Date.now();
    await withTimeout(onB.stop(), 15_000, "publisher on node B stops");

    const recording = await waitFor(async () => {
      const listed = await recordingsOf(b, stream.id);
      return listed.length === 1 && listed[0]!.state !== "recording" && listed[0]!.state !== "finalizing" ? listed[0] : null;
    }, { timeoutMs: 30_000, what: "the session's recording finished" });
    expect(recording).toMatchObject({ id: ofA.id, sessionId: session.id, state: "ready", videoCodec: "h264" });
    // One recording from node A's start: both parts in it, the gap between them not.
    expect(Date.parse(recording.startedAt)).toBeLessThan(killedAt);
    const bWallSec = (stoppedAt - onBAt) / 1000;
    const [join0, onPartB] = recording.markers;
    expect(recording.markers).toHaveLength(2);
    expect(join0!.label).toMatch(/^Taken over by another node: [\d.]+ s not recorded$/);
    expect(onPartB).toMatchObject({ label: "After the takeover", atSec: marked.body.atSec });
    expect(onPartB!.atSec).toBeGreaterThan(join0!.atSec + 1);
    expect(onPartB!.atSec).toBeLessThan(recording.durationSec!);
    expect(Math.abs(join0!.atSec - aSec)).toBeLessThan(0.5);
    const bSec = recording.durationSec! - join0!.atSec;
    expect(bSec).toBeGreaterThan(1);
    expect(bSec).toBeLessThan(bWallSec + 2);
    const gapInNote = Number(/the ([\d.]+) s between the earlier part's last frame and the takeover were not recorded/.exec(recording.note ?? "")?.[1]);
    expect(gapInNote).toBeGreaterThan(1); // the lease (3 s) lapses before node B takes over
    expect(gapInNote).toBeLessThan((onBAt - killedAt) / 1000 + 3);
    expect(recording.note).toContain("Node node-a-shared stopped answering mid-session");
    // The session's span less the gap: what was recorded, and no more.
    const spanSec = (Date.parse(recording.endedAt!) - Date.parse(recording.startedAt)) / 1000;
    expect(recording.durationSec!).toBeLessThan(spanSec - gapInNote + 1);
    expect(recording.note).toContain(`(a marker is there)`);

    // The file: plays through, one timeline rising across the join, no hole where the gap was.
    const file = await download(b, recording.downloadUrl, await makeTempDir("prism-joined-"), "joined.mp4");
    expect(await playThroughErrors(file)).toBe("");
    for (const kind of ["video", "audio"] as const) {
      const ts = await packetTimestamps(file, kind);
      expect(isMonotonic(ts, true)).toBe(true);
      expect(maxGapSec(ts)).toBeLessThan(0.5);
    }
    const video = await packetTimestamps(file, "video");
    expect(video.at(-1)!).toBeGreaterThan(aSec + 1);
    // Both raw parts went into the MP4: none is left behind on the shared disk.
    expect((await readdir(recordingsDir)).filter((f) => f.startsWith(ofA.id) && f.endsWith(".flv"))).toEqual([]);
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
