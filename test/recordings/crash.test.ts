import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { startTestPrism, testDatabaseEnv, TEST_DESTINATION_ALLOW, TEST_TOKEN, type TestPrism } from "../support/prism.js";
import { publishTestStream } from "../support/publisher.js";
import { killAll, withTimeout } from "../support/children.js";
import { freePort, waitForListening } from "../support/ports.js";
import { probeRecording } from "../support/probe.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";
import { spawnCli } from "../cli/run-cli.js";
import { download, playThroughErrors, settledRecordings } from "./support.js";

describe("a recording when Prism is killed mid-session", () => {
  let t: TestPrism | undefined;
  afterEach(async () => {
    await t?.stop();
    await killAll();
  });
  afterAll(removeTempDirs);

  it("is repaired at the next start: listed as ready and playable up to the moment of the kill", async () => {
    const dataDir = await makeTempDir("prism-crash-");
    const [rtmpPort, httpPort] = [await freePort(), await freePort()];
    const prism = spawnCli(["start"], {
      PRISM_HOST: "127.0.0.1",
      PRISM_RTMP_PORT: String(rtmpPort),
      PRISM_HTTP_PORT: String(httpPort),
      PRISM_DATA_DIR: dataDir,
      PRISM_API_TOKEN: TEST_TOKEN,
      PRISM_DESTINATION_ALLOW: TEST_DESTINATION_ALLOW,
      PRISM_LOG_FORMAT: "json",
      ...(await testDatabaseEnv(dataDir)),
    });
    await waitForListening(httpPort, 20_000, { pid: prism.pid, abortOn: prism.exited });
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`http://127.0.0.1:${httpPort}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${TEST_TOKEN}`, ...(body ? { "content-type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return res.json() as Promise<any>;
    };
    const [stream] = await api("GET", "/streams");
    expect((await api("PATCH", `/streams/${stream.id}`, { recording: { enabled: true } })).recording.enabled).toBe(true);
    const { streamKey } = await api("POST", `/streams/${stream.id}/reveal-key`);
    const publisher = publishTestStream({ url: `rtmp://127.0.0.1:${rtmpPort}/live/${streamKey}`, durationSec: Infinity });
    expect(await publisher.publishing).toBe(true);
    await new Promise((r) => setTimeout(r, 6_000));
    const before = (await api("GET", `/streams/${stream.id}/health`)).recording;
    expect(before.state).toBe("recording");
    expect(before.durationSec).toBeGreaterThan(4);

    prism.process.kill("SIGKILL");
    await withTimeout(prism.exited, 5_000, "Prism killed");
    expect(readdirSync(join(dataDir, "recordings")).filter((f) => f.endsWith(".flv"))).toHaveLength(1);

    t = await startTestPrism({ dataDir });
    const [recording, ...others] = await settledRecordings(t, stream.id, 20_000);
    expect(others).toEqual([]);
    expect(recording).toMatchObject({ state: "ready", videoCodec: "h264", audioCodec: "aac" });
    expect(recording.note).toMatch(/Repaired at start/);
    // Everything recorded up to the kill (what health reported just before it, at least).
    expect(recording.durationSec).toBeGreaterThanOrEqual(before.durationSec - 0.5);
    expect(recording.endedAt).not.toBeNull();
    const file = await download(t, recording.downloadUrl, dataDir, "repaired.mp4");
    expect(await playThroughErrors(file)).toBe("");
    expect((await probeRecording(file)).durationSec).toBeGreaterThanOrEqual(before.durationSec - 0.5);
    // The raw FLV is gone once the MP4 is made.
    expect(readdirSync(join(dataDir, "recordings")).filter((f) => f.endsWith(".flv"))).toEqual([]);
  });
});
