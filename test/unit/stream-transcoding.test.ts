import { PassThrough } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { StreamHub } from "../../src/relay/hub.js";
import { StreamTranscoding } from "../../src/relay/transcode/transcoding.js";
import type { TranscodeFormat, TranscodeHandlers, TranscodeProcess } from "../../src/media/ffmpeg.js";
import type { MediaPacket } from "../../src/relay/media.js";
import { platformOf } from "../../src/destinations/registry.js";

/** Stands in for ffmpeg: records what was started and lets the test end a process. */
class FakeFfmpeg {
  readonly started: Array<{ format: TranscodeFormat; handlers: TranscodeHandlers; process: TranscodeProcess; killed: boolean; input: Buffer[] }> = [];
  spawn = (format: TranscodeFormat, handlers: TranscodeHandlers): TranscodeProcess => {
    const input = new PassThrough();
    const entry = { format, handlers, killed: false, input: [] as Buffer[], process: null as unknown as TranscodeProcess };
    input.on("data", (chunk: Buffer) => entry.input.push(chunk));
    entry.process = { input, output: new PassThrough(), backlogBytes: () => 0, kill: () => void (entry.killed = true) };
    this.started.push(entry);
    return entry.process;
  };
  running() {
    return this.started.filter((s) => !s.killed);
  }
}

const packet = (kind: MediaPacket["kind"], dts: number, o: { header?: boolean; key?: boolean } = {}): MediaPacket => ({
  kind,
  isHeader: o.header ?? false,
  isKeyframe: o.key ?? false,
  codecId: kind === "video" ? 7 : 10,
  dts,
  payload: Buffer.alloc(kind === "video" ? 2000 : 40, 1),
});

/** Two seconds of 30 fps video with keyframes at 0 and 1 s: enough for the analyzer to decide. */
function publish(hub: StreamHub, from = 0, seconds = 2) {
  if (from === 0) hub.push(packet("video", 0, { header: true }));
  for (let i = 0; i < seconds * 30; i++) hub.push(packet("video", from + Math.round((i * 1000) / 30), { key: i % 30 === 0 }));
}

const tick = () => new Promise((r) => setTimeout(r, 0));
const log = pino({ level: "silent" });
const options = { backoff: { initialMs: 10, maxMs: 20 }, queueLimitBytes: 1 << 20, rulesOf: platformOf };
const profile = { height: 720, videoKbps: 2500 };

describe("stream transcoding", () => {
  it("routes copies at once and waits for the measurement before transcoding", async () => {
    const hub = new StreamHub();
    const ffmpeg = new FakeFfmpeg();
    const t = new StreamTranscoding(hub, options, log, ffmpeg.spawn);
    const routed: Record<string, StreamHub> = {};
    t.route({ id: "copy", platform: "twitch", transcode: "copy" }, (h) => (routed.copy = h));
    t.route({ id: "own", platform: "custom", transcode: "auto" }, (h) => (routed.own = h));
    t.route({ id: "scaled", platform: "custom", transcode: profile }, (h) => (routed.scaled = h));
    expect(routed.copy).toBe(hub);
    expect(routed.own).toBe(hub);
    expect(routed.scaled).toBeUndefined();
    expect(t.view("scaled")).toEqual({ mode: "measuring", warnings: [] });
    expect(t.pending()).toEqual(["scaled"]);

    publish(hub);
    hub.push(packet("video", 2000, { key: true }));
    await tick();
    expect(routed.scaled).toBeInstanceOf(StreamHub);
    expect(routed.scaled).not.toBe(hub);
    expect(ffmpeg.started).toHaveLength(1);
    expect(t.view("scaled")).toMatchObject({ mode: "transcode", profile: { video: { codec: "h264", kbps: 2500 } }, restarts: 0 });
    // ffmpeg got an FLV header and the current GOP, from its keyframe.
    expect(Buffer.concat(ffmpeg.started[0]!.input).subarray(0, 3).toString()).toBe("FLV");
    t.close();
  });

  it("shares one ffmpeg between destinations that want the same, and stops it with its last destination", async () => {
    const hub = new StreamHub();
    const ffmpeg = new FakeFfmpeg();
    const t = new StreamTranscoding(hub, options, log, ffmpeg.spawn);
    publish(hub);
    hub.push(packet("video", 2000, { key: true }));
    const hubs: StreamHub[] = [];
    for (const id of ["a", "b"]) t.route({ id, platform: "youtube", transcode: profile }, (h) => hubs.push(h));
    t.route({ id: "c", platform: "youtube", transcode: { ...profile, videoKbps: 1500 } }, (h) => hubs.push(h));
    await tick();
    expect(hubs).toHaveLength(3);
    expect(hubs[0]).toBe(hubs[1]);
    expect(hubs[2]).not.toBe(hubs[0]);
    expect(ffmpeg.started).toHaveLength(2);

    t.release("a");
    expect(ffmpeg.running()).toHaveLength(2);
    t.release("b");
    expect(ffmpeg.running()).toHaveLength(1);
    expect(ffmpeg.running()[0]!.format.video).toMatchObject({ kbps: 1500 });
    t.close();
    expect(ffmpeg.running()).toHaveLength(0);
  });

  it("restarts a dead ffmpeg with backoff, keeps its error, and leaves the other ffmpeg alone", async () => {
    const hub = new StreamHub();
    const ffmpeg = new FakeFfmpeg();
    const t = new StreamTranscoding(hub, options, log, ffmpeg.spawn);
    publish(hub);
    hub.push(packet("video", 2000, { key: true }));
    t.route({ id: "a", platform: "custom", transcode: profile }, () => {});
    t.route({ id: "b", platform: "custom", transcode: { videoKbps: 800 } }, () => {});
    await tick();
    const [a, b] = ffmpeg.started;
    a!.handlers.stderr("[h264 @ 0x1] error while decoding MB 3 4");
    a!.handlers.exit(new Error("ffmpeg exited with code 1: Conversion failed!"));
    expect(t.view("a")).toMatchObject({ restarts: 0, lastError: "ffmpeg stopped: ffmpeg exited with code 1: Conversion failed!\n[h264 @ 0x1] error while decoding MB 3 4" });
    await new Promise((r) => setTimeout(r, 60));
    expect(t.view("a")).toMatchObject({ restarts: 1 });
    expect(ffmpeg.started).toHaveLength(3);
    expect(ffmpeg.started[2]!.format).toEqual(a!.format);
    // The other destination's ffmpeg was never touched.
    expect(b!.killed).toBe(false);
    expect(t.view("b")).toMatchObject({ restarts: 0, lastError: null });
    t.close();
  });

  it("restarts an ffmpeg that takes the stream but gives nothing back", async () => {
    const hub = new StreamHub();
    const ffmpeg = new FakeFfmpeg();
    const t = new StreamTranscoding(hub, { ...options, stallMs: 30 }, log, ffmpeg.spawn);
    publish(hub);
    hub.push(packet("video", 2000, { key: true }));
    t.route({ id: "a", platform: "custom", transcode: profile }, () => {});
    await tick();
    const [stuck] = ffmpeg.started;
    await new Promise((r) => setTimeout(r, 40));
    hub.push(packet("video", 2033));
    expect(stuck!.killed).toBe(true);
    expect(t.view("a")?.lastError).toMatch(/produced nothing for \d+ s; Prism restarted it/);
    await new Promise((r) => setTimeout(r, 40));
    expect(ffmpeg.started).toHaveLength(2);
    // Output keeps the new one alive.
    ffmpeg.started[1]!.process.output.emit("data", Buffer.alloc(0));
    hub.push(packet("video", 2066));
    expect(ffmpeg.started[1]!.killed).toBe(false);
    t.close();
  });

  it("notices a changed setting or platform, so the relay restarts that destination", () => {
    const t = new StreamTranscoding(new StreamHub(), options, log, new FakeFfmpeg().spawn);
    t.route({ id: "a", platform: "twitch", transcode: "auto" }, () => {});
    expect(t.changed({ id: "a", platform: "twitch", transcode: "auto" })).toBe(false);
    expect(t.changed({ id: "a", platform: "youtube", transcode: "auto" })).toBe(true);
    expect(t.changed({ id: "a", platform: "twitch", transcode: { videoKbps: 3000 } })).toBe(true);
    expect(t.changed({ id: "unknown", platform: "twitch", transcode: "auto" })).toBe(false);
    t.close();
  });
});
