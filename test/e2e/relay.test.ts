import { describe, expect, it } from "vitest";
import { waitFor, type TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { publishTestStream } from "../support/publisher.js";
import { closedPort, startRtmpReceiver, type RtmpReceiver } from "../support/receiver.js";
import { decodeErrors, maxGapSec, packetTimestamps, probeRecording } from "../support/probe.js";
import { withTimeout } from "../support/children.js";
import { makeTempDir } from "../support/tmp.js";
import { expectNoSecretLeak } from "../support/secrets.js";

interface DestinationHealth {
  id: string;
  name: string;
  state: string;
  bytesOut: number;
  lastError: string | null;
}

describe("relay: one ingest fanned out to many RTMP destinations", () => {
  let t!: TestPrism;
  let dir: string;
  usePrism((p) => (t = p));

  const health = async (streamId: string) => (await t.api("GET", `/api/v1/streams/${streamId}/health`)).body;
  const destinationState = async (streamId: string, destId: string): Promise<DestinationHealth> =>
    (await health(streamId)).destinations.find((d: DestinationHealth) => d.id === destId);

  async function newStream(name: string): Promise<{ id: string; streamKey: string }> {
    const res = await t.api("POST", "/api/v1/streams", { name });
    expect(res.status).toBe(201);
    return res.body;
  }
  async function addDestination(streamId: string, name: string, url: string, streamKey: string): Promise<string> {
    const res = await t.api("POST", `/api/v1/streams/${streamId}/destinations`, { platform: "custom", name, url, streamKey });
    expect(res.status).toBe(201);
    return res.body.id;
  }
  async function expectFullRecording(receiver: RtmpReceiver, publishedSec: number) {
    const rec = await probeRecording(receiver.file);
    expect(rec.video?.codec).toBe("h264");
    expect(rec.audio?.codec).toBe("aac");
    expect(rec.video).toMatchObject({ width: 320, height: 240 });
    expect(rec.durationSec).toBeGreaterThanOrEqual(0.8 * publishedSec);
    expect(await decodeErrors(receiver.file)).toEqual([]);
    expect(receiver.publishedTo()).toEqual({ app: receiver.app, key: receiver.key });
    return rec;
  }

  it("copies the stream to three receivers while a fourth destination on a closed port fails alone", async () => {
    dir = await makeTempDir("prism-e2e-");
    const stream = await newStream("Fan-out");
    const receivers = await Promise.all([1, 2, 3].map((i) => startRtmpReceiver({ dir, name: `r${i}` })));
    const ids: string[] = [];
    for (const [i, r] of receivers.entries()) ids.push(await addDestination(stream.id, `Receiver ${i + 1}`, r.url, r.key));
    const deadId = await addDestination(stream.id, "Nobody home", `rtmp://127.0.0.1:${await closedPort()}/app`, "dead-key-123456");

    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: 10 });

    // Every destination is live within 1 s of the stream going live (keyframes every second).
    const wentLive = await waitFor(async () => ((await health(stream.id)).live ? Date.now() : 0), { timeoutMs: 10_000, intervalMs: 20, what: "stream live" });
    const h = new Map<string, string>();
    const allLiveAt = await waitFor(
      async () => {
        for (const d of (await health(stream.id)).destinations as DestinationHealth[]) h.set(d.id, d.state);
        return ids.every((id) => h.get(id) === "live") ? Date.now() : 0;
      },
      { timeoutMs: 5_000, intervalMs: 20, what: "all destinations live" },
    );
    expect(allLiveAt - wentLive).toBeLessThan(1_000);

    const during = await waitFor(async () => {
      const body = await health(stream.id);
      return body.ingest?.fps > 0 && body;
    }, { what: "ingest figures" });
    expect(during.ingest).toMatchObject({ videoCodec: "H264", audioCodec: "AAC", width: 320, height: 240 });
    // A refused port is reported like a filtered one, once the connect timeout has passed.
    const dead = await waitFor(async () => (await health(stream.id)).destinations.find((d: DestinationHealth) => d.id === deadId && d.lastError), { what: "dead destination's error" });
    expect(["reconnecting", "failed"]).toContain(dead.state);
    expect(dead.lastError).toMatch(/Could not connect to rtmp:\/\/127\.0\.0\.1:\d+: no RTMP server accepted the connection/);

    expect((await publisher.exited).code).toBe(0);
    await Promise.all(receivers.map((r) => withTimeout(r.exited, 10_000, "receiver end")));
    for (const r of receivers) await expectFullRecording(r, 10);

    const after = await health(stream.id);
    expect(after.live).toBe(false);
    expect(after.destinations.map((d: DestinationHealth) => d.state)).toEqual(["idle", "idle", "idle", "idle"]);
    expect(after.destinations.find((d: DestinationHealth) => d.id === deadId).lastError).toMatch(/Could not connect/);
    expectNoSecretLeak(t, [stream.streamKey, "dead-key-123456", ...receivers.map((r) => r.key)]);
  });

  it("refuses a wrong stream key and a second publisher without disturbing the live stream", async () => {
    dir = await makeTempDir("prism-e2e-");
    const stream = await newStream("Guarded");
    const receiver = await startRtmpReceiver({ dir });
    const destId = await addDestination(stream.id, "Receiver", receiver.url, receiver.key);
    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: 8 });
    await waitFor(async () => (await destinationState(stream.id, destId))?.state === "live", { what: "destination live" });

    const wrongKey = "live_this-key-does-not-exist-000000";
    const intruder = publishTestStream({ url: t.publishUrl(wrongKey), durationSec: 5 });
    const second = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: 5 });
    for (const refused of [intruder, second]) {
      const exit = await withTimeout(refused.exited, 10_000, "refused publisher exit");
      expect(await refused.publishing).toBe(false);
      expect(exit.code).not.toBe(0);
    }

    const bytesBefore = (await destinationState(stream.id, destId)).bytesOut;
    await waitFor(async () => (await destinationState(stream.id, destId)).bytesOut > bytesBefore + 20_000, { what: "data still flowing" });
    expect((await health(stream.id)).live).toBe(true);

    expect((await publisher.exited).code).toBe(0);
    await withTimeout(receiver.exited, 10_000, "receiver end");
    const rec = await expectFullRecording(receiver, 8);
    expect(maxGapSec(await packetTimestamps(receiver.file, "video"))).toBeLessThan(0.5);
    expect(rec.video!.keyframes).toBeGreaterThanOrEqual(6);

    const logs = t.logs();
    expect(logs).toContain("publish refused: unknown stream key");
    expect(logs).toContain("publish refused: the stream already has a publisher");
    expectNoSecretLeak(t, [stream.streamKey, wrongKey, receiver.key]);
  });

  it("enables and disables a destination while live without touching the others", async () => {
    dir = await makeTempDir("prism-e2e-");
    const stream = await newStream("Switching");
    const steady = await startRtmpReceiver({ dir, name: "steady" });
    const toggled = await startRtmpReceiver({ dir, name: "toggled" });
    const steadyId = await addDestination(stream.id, "Steady", steady.url, steady.key);
    const toggledId = await addDestination(stream.id, "Toggled", toggled.url, toggled.key);
    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: 12 });
    await waitFor(async () => (await health(stream.id)).destinations.every((d: DestinationHealth) => d.state === "live"), { what: "both live" });

    const off = await t.api("PATCH", `/api/v1/streams/${stream.id}/destinations/${toggledId}`, { enabled: false });
    expect(off.body.enabled).toBe(false);
    await waitFor(async () => (await destinationState(stream.id, toggledId)).state === "stopped", { timeoutMs: 1_000, what: "toggled stopped" });
    // Prism unpublished from the toggled receiver, which ends its session cleanly.
    expect((await withTimeout(toggled.exited, 5_000, "toggled receiver end")).code).toBe(0);
    expect((await destinationState(stream.id, steadyId)).state).toBe("live");

    // Back on, pointed at a fresh receiver (ffmpeg serves one session per process).
    const again = await startRtmpReceiver({ dir, name: "again" });
    const on = await t.api("PATCH", `/api/v1/streams/${stream.id}/destinations/${toggledId}`, { enabled: true, url: again.url, streamKey: again.key });
    expect(on.status).toBe(200);
    await waitFor(async () => (await destinationState(stream.id, toggledId)).state === "live", { timeoutMs: 2_000, what: "toggled live again" });

    expect((await publisher.exited).code).toBe(0);
    await Promise.all([steady, again].map((r) => withTimeout(r.exited, 10_000, "receiver end")));
    await expectFullRecording(steady, 12);
    expect(maxGapSec(await packetTimestamps(steady.file, "video"))).toBeLessThan(0.5);
    // The late joiner starts on a keyframe with codec headers: it decodes without a single error.
    const late = await probeRecording(again.file);
    expect(late.video?.codec).toBe("h264");
    expect(late.durationSec).toBeGreaterThan(3);
    expect(await decodeErrors(again.file)).toEqual([]);
    expectNoSecretLeak(t, [stream.streamKey, steady.key, toggled.key, again.key]);
  });
});
