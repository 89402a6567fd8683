import { describe, expect, it } from "vitest";
import { type TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { publishTestStream } from "../support/publisher.js";
import { runCli } from "../cli/run-cli.js";
import { settledRecordings } from "./support.js";

describe("prism recordings (CLI)", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p));
  const cli = (...args: string[]) => runCli(["--url", `http://127.0.0.1:${t.prism.httpPort}`, "--token", t.token, ...args]);

  it("turns recording on and off, clips the live session, drops a marker and lists recordings", async () => {
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "CLI show" });
    const empty = await cli("recordings", "list", "CLI show");
    expect(empty.stdout).toContain('Turn recording on with: prism recordings on "CLI show"');
    const on = await cli("recordings", "on", "CLI show", "--no-slate", "--keep-days", "14");
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout).toContain('Recording is on for "CLI show" (without the slate)');
    expect((await t.api("GET", `/api/v1/streams/${stream.id}`)).body.recording).toEqual({ enabled: true, includeSlate: false, retention: { days: 14, maxGb: null } });

    const notLive = await cli("recordings", "clip", "CLI show");
    expect(notLive.code).not.toBe(0);
    expect(notLive.stderr).toContain("not being recorded right now");
    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity, keyframeIntervalSec: 1 });
    expect(await publisher.publishing).toBe(true);
    await new Promise((r) => setTimeout(r, 3_000));
    const marker = await cli("recordings", "marker", "CLI show", "Big moment");
    expect(marker.stdout).toMatch(/^Marker at \d+\.\d s of recording rec_[0-9a-f]{32}\./);
    const clip = await cli("recordings", "clip", "CLI show", "--last", "2", "--title", "From the CLI");
    expect(clip.code, clip.stderr).toBe(0);
    expect(clip.stdout).toMatch(/Download: \/api\/v1\/clips\/clip_[0-9a-f]{32}\/download/);
    await publisher.stop();

    const [recording] = await settledRecordings(t, stream.id);
    const list = await cli("recordings", "list", "CLI show");
    expect(list.stdout).toMatch(/ID\s+STARTED\s+LENGTH\s+SIZE\s+STATE\s+MARKERS/);
    expect(list.stdout).toMatch(new RegExp(`${recording.id}.*ready\\s+1`));
    const json = JSON.parse((await cli("--json", "recordings", "list", "CLI show")).stdout);
    expect(json[0]).toMatchObject({ id: recording.id, state: "ready" });
    expect((await cli("recordings", "off", "CLI show")).stdout).toContain('Recording is off for "CLI show"');
    expect((await t.api("GET", `/api/v1/streams/${stream.id}`)).body.recording.enabled).toBe(false);
  }, 180_000); // nine CLI processes, each starting node + tsx
});
