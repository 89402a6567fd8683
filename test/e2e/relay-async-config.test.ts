import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { Relay, type KeyedStream, type RelayConfigSource, type RelayTarget } from "../../src/relay/relay.js";
import { EventBus } from "../../src/bus.js";
import { createLogger } from "../../src/log.js";
import { DEFAULT_BACKOFF } from "../../src/core/backoff.js";
import { parseAddressPolicy } from "../../src/net/address-policy.js";
import { platformOf } from "../../src/destinations/registry.js";
import { DECISION_FAILED_REASON, DECISION_TIMEOUT_REASON } from "../../src/relay/ingest/connection.js";
import { RtmpPublishClient } from "../../src/relay/rtmp/publish-client.js";
import { routeNmsLogging } from "../../src/relay/rtmp/nms.js";
import { publishTestStream, type Publisher } from "../support/publisher.js";
import { startRtmpReceiver, type RtmpReceiver } from "../support/receiver.js";
import { probeRecording } from "../support/probe.js";
import { waitFor } from "../support/prism.js";
import { makeTempDir } from "../support/tmp.js";

/**
 * The relay on a store that answers later (PostgreSQL, issue #21 S5): publish decisions and destination lists
 * arrive as promises. The store here is a map whose answers the test releases, standing in for a slow database.
 */

const KEY = "async-key-0123456789abcdef";
const STREAM: KeyedStream = { id: "s1", name: "Async", slate: { enabled: false, maxSeconds: 10, image: "" }, input: "primary" };

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const target = (id: string, r: RtmpReceiver): RelayTarget => ({ id, name: id, url: r.url, streamKey: r.key, platform: "custom", transcode: "copy" });

describe("relay on a store that answers asynchronously", () => {
  let relay: Relay | undefined;
  const publishers: Publisher[] = [];
  const receivers: RtmpReceiver[] = [];
  let logLines: string[] = [];
  const bus = new EventBus();
  const started: string[] = [];
  bus.on("stream.started", ({ streamId }) => started.push(streamId));

  afterEach(async () => {
    await Promise.all(publishers.splice(0).map((p) => p.stop(500)));
    await relay?.stop();
    relay = undefined;
    await Promise.all(receivers.splice(0).map((r) => r.stop()));
    started.length = 0;
    logLines = [];
  });

  async function startRelay(config: RelayConfigSource, handshakeTimeoutMs = 10_000): Promise<number> {
    const destination = new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) });
    const log = createLogger({ level: "info", format: "json", destination });
    routeNmsLogging(log);
    relay = new Relay(
      {
        host: "127.0.0.1",
        port: 0,
        app: "live",
        ingest: { handshakeTimeoutMs, failedPublishesPerMinute: 100, blockSeconds: 1, stallMs: 2_000, primarySteadyMs: 1_000, maxPendingBytes: 1024 * 1024, maxChunkStreams: 16 },
        platformRules: platformOf,
        output: { queueLimitBytes: 8 * 1024 * 1024, connectTimeoutMs: 3_000, tlsCa: undefined, addressPolicy: parseAddressPolicy("public,private,loopback", "test"), backoff: DEFAULT_BACKOFF },
      },
      config,
      bus,
      log,
    );
    return (await relay.start()).rtmp;
  }

  const publish = (port: number, durationSec = 30) => {
    const p = publishTestStream({ url: `rtmp://127.0.0.1:${port}/live/${KEY}`, durationSec });
    publishers.push(p);
    return p;
  };
  const receiver = async (name: string) => {
    const r = await startRtmpReceiver({ dir: await makeTempDir("prism-async-"), name });
    receivers.push(r);
    return r;
  };
  /** What the ingest answers a real RTMP client's publish (its error message), or "accepted". */
  async function refusal(port: number): Promise<string> {
    const client = new RtmpPublishClient({ url: `rtmp://127.0.0.1:${port}/live`, streamKey: KEY }, { connectTimeoutMs: 5_000 });
    try {
      await client.connect();
      return "accepted";
    } catch (err) {
      return (err as Error).message;
    } finally {
      client.close();
    }
  }
  /** Ingest sockets still open: how the test sees the relay has noticed a publisher leave. */
  const openIngestSockets = () => (relay as unknown as { ingest: { sockets: Set<unknown> } }).ingest.sockets.size;

  it("puts a publisher on air once a slow store answers, with the media sent meanwhile", async () => {
    const r = await receiver("slow");
    const port = await startRelay({
      streamByKey: (key) => new Promise((resolve) => setTimeout(() => resolve(key === KEY ? STREAM : undefined), 400)),
      enabledTargets: async () => [target("d1", r)],
    });
    const p = publish(port, 4);
    expect(await p.publishing).toBe(true);
    await r.connected;
    expect(relay!.isLive(STREAM.id)).toBe(true);
    await p.exited;
    await r.exited;
    const rec = await probeRecording(r.file);
    expect(rec.video?.codec).toBe("h264");
    expect(rec.durationSec).toBeGreaterThan(2.5);
  });

  it("does not put on air a publisher that left while its decision was pending", async () => {
    const answer = deferred<KeyedStream | undefined>();
    let asked = 0;
    const port = await startRelay({
      streamByKey: () => (asked++, answer.promise),
      enabledTargets: async () => [],
    });
    const p = publish(port);
    await waitFor(() => asked > 0, { what: "decision asked" });
    p.process.kill("SIGKILL");
    await p.exited;
    await waitFor(() => openIngestSockets() === 0, { what: "ingest saw the publisher leave" });
    answer.resolve(STREAM);
    await answer.promise;
    await new Promise((resolve) => setImmediate(resolve));
    expect(relay!.isLive(STREAM.id)).toBe(false);
    expect(started).toEqual([]);
  });

  it("refuses with a clear reason when the store does not answer in time, and ignores its late answer", async () => {
    const answer = deferred<KeyedStream | undefined>();
    const port = await startRelay({ streamByKey: () => answer.promise, enabledTargets: async () => [] }, 1_500);
    expect(await refusal(port)).toContain(DECISION_TIMEOUT_REASON);
    answer.resolve(STREAM);
    await answer.promise;
    await new Promise((resolve) => setImmediate(resolve));
    expect(relay!.isLive(STREAM.id)).toBe(false);
    expect(started).toEqual([]);
  });

  it("refuses when the store fails, and logs why", async () => {
    const port = await startRelay({ streamByKey: async () => Promise.reject(new Error("connection refused")), enabledTargets: async () => [] });
    expect(await refusal(port)).toContain(DECISION_FAILED_REASON);
    expect(logLines.join("")).toContain("the stream key could not be checked");
    expect(relay!.isLive(STREAM.id)).toBe(false);
  });

  it("drops a destination list superseded by a newer reconcile, whatever order the answers come in", async () => {
    const [r1, r2] = await Promise.all([receiver("stale"), receiver("fresh")]);
    const answers: Array<ReturnType<typeof deferred<RelayTarget[]>>> = [];
    const port = await startRelay({
      streamByKey: (key) => (key === KEY ? STREAM : undefined),
      enabledTargets: () => {
        const d = deferred<RelayTarget[]>();
        answers.push(d);
        return d.promise;
      },
    });
    const p = publish(port);
    expect(await p.publishing).toBe(true);
    await waitFor(() => answers.length === 1, { what: "go-live reconcile" });
    bus.emit("config.destinations", { streamId: STREAM.id });
    expect(answers).toHaveLength(2);
    answers[1]!.resolve([target("fresh", r2)]);
    await r2.connected;
    answers[0]!.resolve([target("stale", r1)]);
    await answers[0]!.promise;
    await new Promise((resolve) => setImmediate(resolve));
    expect(relay!.outputHealth(STREAM.id, "stale")).toBeUndefined();
    expect(relay!.outputHealth(STREAM.id, "fresh")).toBeDefined();
  });

  it("keeps the outputs of the last good answer when the store fails, and logs it", async () => {
    const r = await receiver("kept");
    let fail = false;
    const port = await startRelay({
      streamByKey: (key) => (key === KEY ? STREAM : undefined),
      enabledTargets: async () => {
        if (fail) throw new Error("database unreachable");
        return [target("d1", r)];
      },
    });
    const p = publish(port);
    expect(await p.publishing).toBe(true);
    await r.connected;
    fail = true;
    bus.emit("config.destinations", { streamId: STREAM.id });
    await waitFor(() => logLines.join("").includes("could not read the stream's destinations"), { what: "failure logged" });
    expect(relay!.outputHealth(STREAM.id, "d1")?.state).toBe("live");
    expect(r.process.exitCode).toBeNull();
  });
});
