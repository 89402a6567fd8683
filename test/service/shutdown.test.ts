import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../support/prism.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { killAll, withTimeout } from "../support/children.js";
import { freePort, isListening, waitForListening } from "../support/ports.js";
import { decodeErrors, probeRecording } from "../support/probe.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";
import { spawnCli } from "../cli/run-cli.js";
import { TEST_DESTINATION_ALLOW } from "../support/prism.js";

const TOKEN = "shutdown-test-admin-token-0123456789";

describe("SIGTERM", () => {
  afterEach(async () => {
    await killAll();
  });
  afterAll(async () => {
    await removeTempDirs();
  });

  it("stops publishes, closes destinations cleanly, flushes the database and exits 0 within 10 s", async () => {
    const dataDir = await makeTempDir("prism-shutdown-");
    const [rtmpPort, httpPort] = [await freePort(), await freePort()];
    const prism = spawnCli(["start"], {
      PRISM_HOST: "127.0.0.1",
      PRISM_RTMP_PORT: String(rtmpPort),
      PRISM_HTTP_PORT: String(httpPort),
      PRISM_DATA_DIR: dataDir,
      PRISM_API_TOKEN: TOKEN,
      PRISM_DESTINATION_ALLOW: TEST_DESTINATION_ALLOW,
      PRISM_LOG_FORMAT: "json",
      PRISM_LOG_LEVEL: "info",
    });
    await waitForListening(httpPort, 20_000, { pid: prism.pid, abortOn: prism.exited });
    await waitForListening(rtmpPort, 5_000, { pid: prism.pid });

    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`http://127.0.0.1:${httpPort}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { "content-type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return res.json() as Promise<any>;
    };
    // The stream the banner created at first start, published to for real, relayed to a real receiver.
    const [stream] = await api("GET", "/streams");
    const { streamKey } = await api("POST", `/streams/${stream.id}/reveal-key`);
    const receiver = await startRtmpReceiver({ dir: dataDir });
    await api("POST", `/streams/${stream.id}/destinations`, { platform: "custom", name: "Receiver", url: receiver.url, streamKey: receiver.key });
    const publisher = publishTestStream({ url: `rtmp://127.0.0.1:${rtmpPort}/live/${streamKey}`, durationSec: Infinity });
    expect(await publisher.publishing).toBe(true);
    await waitFor(async () => (await api("GET", `/streams/${stream.id}/health`)).destinations[0]?.state === "live", { what: "receiver live" });
    await receiver.connected;
    await new Promise((r) => setTimeout(r, 2000));
    // Written just before the signal: it must be in the database file afterwards.
    const lastWrite = await api("POST", "/tokens", { name: "written just before SIGTERM", scopes: ["read"] });

    const signalledAt = Date.now();
    prism.process.kill("SIGTERM");
    const exit = await withTimeout(prism.exited, 12_000, "Prism exiting after SIGTERM");
    const tookMs = Date.now() - signalledAt;
    expect(exit.code, exit.stderr).toBe(0);
    expect(tookMs).toBeLessThan(10_000);

    // The destination was closed as a publisher closes: the receiver ends by itself, recording intact.
    const received = await withTimeout(receiver.exited, 5_000, "receiver ending after Prism closed the destination");
    expect(received.code, received.stderr.slice(-2000)).toBe(0);
    const recording = await probeRecording(receiver.file);
    expect(recording.video?.codec).toBe("h264");
    expect(recording.durationSec).toBeGreaterThan(1.5);
    expect(await decodeErrors(receiver.file)).toEqual([]);

    // No more publishes: the publisher was let go and the ingest no longer listens.
    await withTimeout(publisher.exited, 10_000, "publisher cut off");
    expect(await isListening(rtmpPort)).toBe(false);
    expect(await isListening(httpPort)).toBe(false);

    // The database was closed properly: its write-ahead log folded in, the last write there.
    const wal = join(dataDir, "prism.sqlite-wal");
    expect(!existsSync(wal) || statSync(wal).size === 0, "the -wal file was left with content").toBe(true);
    const db = new Database(join(dataDir, "prism.sqlite"), { readonly: true });
    try {
      expect(db.prepare("SELECT name FROM api_tokens WHERE id = ?").get(lastWrite.id)).toEqual({ name: "written just before SIGTERM" });
    } finally {
      db.close();
    }

    const logs = prism.stdout();
    expect(logs).toMatch(/"signal":"SIGTERM".*"msg":"shutting down"/);
    expect(logs).toMatch(/"msg":"shut down cleanly"/);
    expect(logs).not.toContain(streamKey);
  });
});
