import { describe, expect, it } from "vitest";
import { waitFor, type TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { decodeErrors } from "../support/probe.js";
import { withTimeout } from "../support/children.js";
import { makeTempDir } from "../support/tmp.js";
import { recordEvents } from "../support/events.js";
import { RtmpPublishClient } from "../../src/relay/rtmp/publish-client.js";

describe("backup encoders that are wrong", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p), { PRISM_INGEST_PRIMARY_STEADY_SEC: "2", PRISM_INGEST_STALL_MS: "1000" });

  const liveStream = async (name: string) => {
    const dir = await makeTempDir("prism-backup-bad-");
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name });
    const receiver = await startRtmpReceiver({ dir });
    await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { name: "R", url: receiver.url, streamKey: receiver.key });
    const health = async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body;
    const primary = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    await waitFor(async () => (await health()).destinations[0].state === "live", { what: `${name} live` });
    return { stream, receiver, health, primary };
  };

  it("refuses a second backup, and a backup key of another stream only publishes to that stream", async () => {
    const a = await liveStream("A");
    const { body: other } = await t.api("POST", "/api/v1/streams", { name: "B" });
    const backup = publishTestStream({ url: t.publishUrl(a.stream.backupStreamKey), durationSec: Infinity, color: "0xC02020" });
    expect(await backup.publishing).toBe(true);
    await waitFor(async () => (await a.health()).ingest.backup.fps > 0, { what: "A's backup measured" });

    const second = new RtmpPublishClient({ url: `rtmp://127.0.0.1:${t.prism.rtmpPort}/live`, streamKey: a.stream.backupStreamKey }, { connectTimeoutMs: 5_000 });
    await expect(second.connect()).rejects.toThrow(/only one backup encoder at a time/);
    second.close();

    // B's backup key publishes to B, which goes live on it; A does not notice.
    const stray = publishTestStream({ url: t.publishUrl(other.backupStreamKey), durationSec: 3 });
    await waitFor(async () => (await t.api("GET", `/api/v1/streams/${other.id}/health`)).body.ingestState === "backup", { what: "B live on its backup" });
    expect((await stray.exited).code).toBe(0);

    const h = await a.health();
    expect(h.ingestState).toBe("publisher");
    expect(h.ingest.backup.connected).toBe(true);
    expect(h.ingestWarnings).toEqual([]);
    expect(h.destinations[0]).toMatchObject({ state: "live", reconnects: 0 });

    await backup.stop();
    await a.primary.stop();
    expect((await withTimeout(a.receiver.exited, 10_000, "receiver end")).code).toBe(0);
    expect(await decodeErrors(a.receiver.file)).toEqual([]);
  });

  it("says so when the backup's format differs, and does not put an audio-only backup on air for a stream with pictures", async () => {
    const a = await liveStream("Audio-only backup");
    const events = recordEvents(t.prism.bus, a.stream.id, ["stream.ingest_switched", "stream.ingest_lost", "stream.ingest_resumed"]);
    const backup = publishTestStream({ url: t.publishUrl(a.stream.backupStreamKey), durationSec: Infinity, video: false });
    expect(await backup.publishing).toBe(true);
    const warned = await waitFor(async () => {
      const h = await a.health();
      return h.ingestWarnings.length > 0 ? h : undefined;
    }, { what: "format warning" });
    expect(warned.ingestWarnings).toEqual([
      "The backup encoder's format (no video + AAC) differs from the primary's (H264 320x240 + AAC): destinations see the change at every switch and some platforms refuse it; give both encoders the same output settings. It sends no pictures, so it cannot stand in for the primary: the slate covers a primary loss instead.",
    ]);
    expect(warned.ingest.backup.codecs).toEqual({ video: null, audio: "AAC" });
    await new Promise((r) => setTimeout(r, 2_500)); // the slate is encoded in the stream's format meanwhile

    a.primary.process.kill("SIGKILL");
    await events.until(1, 10_000, "primary lost");
    expect(events.seen.map((e) => e.type)).toEqual(["stream.ingest_lost"]);
    await waitFor(async () => (await a.health()).ingestState === "slate", { what: "slate" });
    expect((await a.health()).destinations[0]).toMatchObject({ state: "live", reconnects: 0 });

    // An audio-only backup connecting while the slate holds is tried, found to have no pictures, and the slate goes on.
    backup.process.kill("SIGKILL");
    await waitFor(async () => (await a.health()).ingest.backup.connected === false, { what: "backup gone" });
    const again = publishTestStream({ url: t.publishUrl(a.stream.backupStreamKey), durationSec: Infinity, video: false });
    expect(await again.publishing).toBe(true);
    await events.until(3, 10_000, "slate again");
    expect(events.seen.map((e) => e.type)).toEqual(["stream.ingest_lost", "stream.ingest_resumed", "stream.ingest_lost"]);
    expect(events.seen[2]!.data).toMatchObject({ reason: expect.stringMatching(/backup encoder sends no pictures/) });
    await waitFor(async () => (await a.health()).ingestState === "slate", { what: "slate again" });

    // The primary returns: on air again, from the slate.
    const back = publishTestStream({ url: t.publishUrl(a.stream.streamKey), durationSec: 2 });
    await waitFor(async () => (await a.health()).ingestState === "publisher", { what: "primary back" });
    expect((await back.exited).code).toBe(0);
    await again.stop();
    events.stop();
    expect((await withTimeout(a.receiver.exited, 15_000, "receiver end")).code).toBe(0);
    expect(await decodeErrors(a.receiver.file)).toEqual([]);
  });
});
