import net from "node:net";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { waitFor, type TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { maxGapSec, packetTimestamps, probeRecording } from "../support/probe.js";
import { withTimeout } from "../support/children.js";
import { makeTempDir } from "../support/tmp.js";
import { RtmpPublishClient } from "../../src/relay/rtmp/publish-client.js";

// Long enough that "closed at once" (well under half of it) and "closed at the deadline" stay apart on a
// loaded machine.
const HANDSHAKE_TIMEOUT_MS = 4_000;

/** Opens a raw connection, runs `attack` on it, and resolves when the server has closed it. */
function rawConnection(port: number, attack: (socket: net.Socket) => void): Promise<number> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    const opened = Date.now();
    socket.on("connect", () => attack(socket));
    socket.on("error", () => {});
    socket.on("data", () => {});
    socket.on("close", () => resolve(Date.now() - opened));
  });
}

async function inBatches<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < count; i += concurrency) {
    results.push(...(await Promise.all(Array.from({ length: Math.min(concurrency, count - i) }, (_, k) => task(i + k)))));
  }
  return results;
}

const heapMb = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
};

describe("hostile traffic on the RTMP port", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p), { PRISM_INGEST_HANDSHAKE_TIMEOUT_MS: String(HANDSHAKE_TIMEOUT_MS), PRISM_INGEST_FAILED_PUBLISHES_PER_MINUTE: "20", PRISM_INGEST_BLOCK_SECONDS: "4" });

  it("survives garbage, half handshakes, slowloris and 1,000 wrong keys while a live stream carries on", async () => {
    expect((globalThis as { gc?: unknown }).gc, "vitest must run workers with --expose-gc").toBeTypeOf("function");
    const dir = await makeTempDir("prism-hostile-");
    const port = t.prism.rtmpPort;
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Under attack" });
    const { body: spare } = await t.api("POST", "/api/v1/streams", { name: "Spare" });
    const receiver = await startRtmpReceiver({ dir });
    const { body: dest } = await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { name: "R", url: receiver.url, streamKey: receiver.key });
    // Publishes until the attack is over, however long a loaded machine takes to run it.
    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Number.POSITIVE_INFINITY });
    const liveSince = Date.now();
    const destHealth = async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body.destinations.find((d: { id: string }) => d.id === dest.id);
    await waitFor(async () => (await destHealth()).state === "live", { what: "live" });
    const baseline = heapMb();
    const bytesBefore = (await destHealth()).bytesOut;

    // Connection-level abuse, all at once. Each one must be closed by the server: at once when it is
    // not RTMP or when the address already holds too many unfinished connections, else at the
    // handshake deadline.
    const [garbage, halfHandshakes, slowloris] = await Promise.all([
      // Not RTMP: HTTP requests and random bytes (whose first byte is not RTMP's version 3).
      inBatches(200, 50, (i) =>
        rawConnection(port, (s) => {
          const junk = randomBytes(2048);
          if (junk[0] === 3) junk[0] = 4;
          s.write(i % 2 ? Buffer.concat([Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), junk]) : junk);
        }),
      ),
      // C0 and half of C1, then silence.
      inBatches(60, 30, () => rawConnection(port, (s) => s.write(Buffer.concat([Buffer.from([3]), randomBytes(700)])))),
      // A valid start, one byte every 300 ms: never finishes in time.
      inBatches(20, 20, () =>
        rawConnection(port, (s) => {
          s.write(Buffer.from([3]));
          const drip = setInterval(() => (s.destroyed ? clearInterval(drip) : s.write(randomBytes(1))), 300);
          s.on("close", () => clearInterval(drip));
        }),
      ),
    ]);
    expect(Math.max(...garbage)).toBeLessThan(HANDSHAKE_TIMEOUT_MS / 2);
    expect(Math.max(...halfHandshakes, ...slowloris)).toBeLessThan(HANDSHAKE_TIMEOUT_MS + 1_500);
    // Some were cut at once by the per-address cap on unfinished connections.
    expect(Math.min(...halfHandshakes, ...slowloris)).toBeLessThan(HANDSHAKE_TIMEOUT_MS / 2);

    // Key guessing with a real RTMP client, as fast as it goes.
    const guessingStarted = Date.now();
    const wrongKeys = await inBatches(1_000, 10, async (i) => {
      const client = new RtmpPublishClient({ url: `rtmp://127.0.0.1:${port}/live`, streamKey: `live_guess${i}` }, { connectTimeoutMs: 5_000 });
      try {
        await client.connect();
        return "accepted";
      } catch (err) {
        return (err as Error).message;
      } finally {
        client.close();
      }
    });
    const unknown = wrongKeys.filter((m) => m.includes("Unknown stream key")).length;
    const blocked = wrongKeys.filter((m) => m.includes("Too many publishes with wrong stream keys from your address")).length;
    expect(wrongKeys).not.toContain("accepted");
    // 20 wrong keys a minute are let through (21st blocks), again after each 4 s block.
    const blockPeriods = 1 + Math.floor((Date.now() - guessingStarted) / 4_000);
    expect(unknown).toBeLessThanOrEqual(21 * blockPeriods);
    expect(unknown + blocked).toBe(1_000);
    expect(blocked).toBeGreaterThan(800);

    // Blocked means blocked, even with a right key; after the block time it works again.
    const blockedTry = publishTestStream({ url: t.publishUrl(spare.streamKey), durationSec: 2 });
    expect(await blockedTry.publishing).toBe(false);
    await new Promise((r) => setTimeout(r, 4_500));
    const afterBlock = publishTestStream({ url: t.publishUrl(spare.streamKey), durationSec: 2 });
    expect(await afterBlock.publishing).toBe(true);

    // The live stream never noticed.
    const during = await destHealth();
    expect(during.state).toBe("live");
    expect(during.bytesOut).toBeGreaterThan(bytesBefore);
    expect((await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body.live).toBe(true);

    const publishedSec = (Date.now() - liveSince) / 1000;
    const exit = await publisher.stop();
    // 255 is ffmpeg's answer to the stop's SIGINT; anything else means it had already died.
    expect(exit.code === 255 || exit.signal !== null, `the publisher ran until stopped (${exit.code}: ${exit.stderr})`).toBe(true);
    await withTimeout(receiver.exited, 10_000, "receiver end");
    const rec = await probeRecording(receiver.file);
    expect(rec.durationSec).toBeGreaterThanOrEqual(0.8 * publishedSec - 1);
    expect(maxGapSec(await packetTimestamps(receiver.file, "video"))).toBeLessThan(0.5);

    // Everything the attack allocated is gone again.
    await new Promise((r) => setTimeout(r, 500));
    expect(heapMb()).toBeLessThan(baseline + 16);
    // One log line for the block, not one per guess.
    expect(t.logs().split("address blocked: too many publishes").length - 1).toBeLessThanOrEqual(3);
  });
});
