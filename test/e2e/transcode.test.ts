import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor, type TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver, type RtmpReceiver } from "../support/receiver.js";
import { decodeErrors, isMonotonic, maxGapSec, packetTimestamps, probeRecording } from "../support/probe.js";
import { runToCompletion, spawnTracked, withTimeout } from "../support/children.js";
import { makeTempDir } from "../support/tmp.js";
import { childProcesses, keyframeIntervals, packetsKbps, probePackets } from "../support/packets.js";
import { ffmpegPath } from "../../src/media/binaries.js";

interface DestinationHealth {
  id: string;
  state: string;
  warnings: string[];
  transcode: null | {
    mode: string;
    profile?: { video: Record<string, unknown>; audio: Record<string, unknown> };
    reasons?: string[];
    fps?: number;
    speed?: number;
    restarts?: number;
    lastError?: string | null;
  };
}

describe("transcoding per destination", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p));

  async function newStream(name: string): Promise<{ id: string; streamKey: string }> {
    const res = await t.api("POST", "/api/v1/streams", { name });
    expect(res.status).toBe(201);
    return res.body;
  }
  async function addDestination(streamId: string, body: { name: string; platform: string; transcode: unknown }, receiver: RtmpReceiver): Promise<string> {
    const res = await t.api("POST", `/api/v1/streams/${streamId}/destinations`, { ...body, url: receiver.url, streamKey: receiver.key });
    expect(res.status, res.text).toBe(201);
    expect(res.body.transcode).toEqual(body.transcode);
    return res.body.id;
  }
  const destination = async (streamId: string, id: string): Promise<DestinationHealth> =>
    (await t.api("GET", `/api/v1/streams/${streamId}/health`)).body.destinations.find((d: DestinationHealth) => d.id === id);

  it("sends one destination a copy and another 720p at 2.5 Mbps from the same 1080p ingest", async () => {
    const dir = await makeTempDir("prism-transcode-");
    // A pre-encoded 1080p clip published with -c copy: the ingest is known packet by packet, and
    // nothing but Prism's transcoder encodes during the run.
    const clip = join(dir, "ingest.flv");
    const encoded = await runToCompletion(ffmpegPath(), [
      "-hide_banner", "-nostdin", "-loglevel", "error",
      "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=15", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
      "-t", "8", "-map", "0:v", "-map", "1:a",
      "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-b:v", "3000k", "-maxrate", "3000k", "-bufsize", "6000k",
      "-g", "15", "-keyint_min", "15", "-sc_threshold", "0", "-c:a", "aac", "-b:a", "64k", "-f", "flv", "-y", clip,
    ]);
    expect(encoded.code, encoded.stderr).toBe(0);

    const stream = await newStream("1080p source");
    const copyReceiver = await startRtmpReceiver({ dir, name: "copy" });
    const smallReceiver = await startRtmpReceiver({ dir, name: "720p" });
    const copyId = await addDestination(stream.id, { name: "Copy", platform: "custom", transcode: "copy" }, copyReceiver);
    const smallId = await addDestination(
      stream.id,
      { name: "720p", platform: "custom", transcode: { width: 1280, height: 720, videoKbps: 2500, keyframeIntervalSec: 2 } },
      smallReceiver,
    );

    const publisher = spawnTracked(ffmpegPath(), ["-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-i", clip, "-c", "copy", "-f", "flv", t.publishUrl(stream.streamKey)]);
    const small = await waitFor(
      async () => {
        const d = await destination(stream.id, smallId);
        return d?.state === "live" && (d.transcode?.fps ?? 0) > 0 ? d : undefined;
      },
      { timeoutMs: 15_000, what: "720p destination live and encoding" },
    );
    expect(small.transcode).toMatchObject({
      mode: "transcode",
      profile: { video: { codec: "h264", width: 1280, height: 720, kbps: 2500, keyframeIntervalSec: 2, fps: 15 }, audio: { codec: "copy" } },
      restarts: 0,
      lastError: null,
    });
    expect(small.warnings).toEqual([]);
    const copy = await destination(stream.id, copyId);
    expect(copy.transcode).toEqual({ mode: "copy" });
    expect(copy.state).toBe("live");

    expect((await withTimeout(publisher.exited, 20_000, "publisher end")).code).toBe(0);
    await Promise.all([copyReceiver, smallReceiver].map((r) => withTimeout(r.exited, 15_000, "receiver end")));

    // The copy is the ingest, bit for bit: the same packets from its first keyframe on.
    const ingestVideo = await probePackets(clip, "video");
    const copyVideo = await probePackets(copyReceiver.file, "video");
    const start = ingestVideo.findIndex((p) => p.hash === copyVideo[0]!.hash);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(copyVideo.map((p) => p.hash)).toEqual(ingestVideo.slice(start, start + copyVideo.length).map((p) => p.hash));
    expect(copyVideo.length).toBeGreaterThanOrEqual(0.9 * ingestVideo.length);
    const copyRec = await probeRecording(copyReceiver.file);
    expect(copyRec.video).toMatchObject({ codec: "h264", width: 1920, height: 1080 });
    expect(copyRec.audio?.codec).toBe("aac");

    // The 720p one got what it asked for: size, bitrate, keyframe every 2 s, and it decodes.
    const smallRec = await probeRecording(smallReceiver.file);
    expect(smallRec.video).toMatchObject({ codec: "h264", width: 1280, height: 720 });
    expect(smallRec.audio?.codec).toBe("aac");
    expect(smallRec.durationSec).toBeGreaterThan(5);
    const smallVideo = await probePackets(smallReceiver.file, "video");
    const kbps = packetsKbps(smallVideo);
    expect(kbps).toBeGreaterThan(2500 * 0.8);
    expect(kbps).toBeLessThan(2500 * 1.2);
    const intervals = keyframeIntervals(smallVideo);
    expect(intervals.length).toBeGreaterThanOrEqual(2);
    for (const interval of intervals) expect(interval).toBeCloseTo(2, 1);
    expect(await decodeErrors(smallReceiver.file)).toEqual([]);
    console.log(`720p destination: ${kbps.toFixed(0)} kbit/s, keyframes every ${intervals.join(", ")} s; copy: ${copyVideo.length}/${ingestVideo.length} ingest packets, identical`);
  });

  it("warns about what a copy breaks, and auto fixes it: no audio for YouTube, 4 s keyframes for Twitch", async () => {
    const dir = await makeTempDir("prism-transcode-");
    const stream = await newStream("Video only, long GOP");
    const [youtubeCopy, twitchCopy, youtubeAuto] = await Promise.all(["youtube-copy", "twitch-copy", "youtube-auto"].map((name) => startRtmpReceiver({ dir, name })));
    const youtubeCopyId = await addDestination(stream.id, { name: "YouTube (copy)", platform: "youtube", transcode: "copy" }, youtubeCopy!);
    const twitchCopyId = await addDestination(stream.id, { name: "Twitch (copy)", platform: "twitch", transcode: "copy" }, twitchCopy!);
    const youtubeAutoId = await addDestination(stream.id, { name: "YouTube (auto)", platform: "youtube", transcode: "auto" }, youtubeAuto!);

    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: 12, fps: 15, keyframeIntervalSec: 4, audio: false });
    const twitch = await waitFor(
      async () => {
        const d = await destination(stream.id, twitchCopyId);
        return d?.warnings.length > 0 ? d : undefined;
      },
      { timeoutMs: 15_000, what: "a warning on the Twitch copy" },
    );
    expect(twitch.transcode).toEqual({ mode: "copy" });
    expect(twitch.warnings).toEqual([expect.stringMatching(/keyframe comes only every 4 s, but Twitch needs one at least every 2 s/)]);
    const youtube = await destination(stream.id, youtubeCopyId);
    // YouTube allows 4 s keyframes, but not a stream without sound.
    expect(youtube.warnings).toEqual([expect.stringMatching(/no audio track, and YouTube silently refuses a stream without audio/)]);

    // Auto to YouTube: the video is copied and Prism adds a silent AAC track.
    const auto = await waitFor(
      async () => {
        const d = await destination(stream.id, youtubeAutoId);
        return d?.transcode?.mode === "transcode" ? d : undefined;
      },
      { timeoutMs: 15_000, what: "YouTube auto transcoding" },
    );
    expect(auto.transcode?.profile).toEqual({ video: { codec: "copy" }, audio: { codec: "aac", kbps: 128, silent: true } });
    expect(auto.transcode?.reasons).toEqual([expect.stringMatching(/no audio track/)]);
    expect(auto.warnings).toEqual([]);

    // Switched to auto while live, the Twitch destination restarts re-encoded to 2 s keyframes.
    const twitchAgain = await startRtmpReceiver({ dir, name: "twitch-auto" });
    const patched = await t.api("PATCH", `/api/v1/streams/${stream.id}/destinations/${twitchCopyId}`, { transcode: "auto", url: twitchAgain.url, streamKey: twitchAgain.key });
    expect(patched.status).toBe(200);
    expect((await withTimeout(twitchCopy!.exited, 5_000, "the copy's session closed")).code).toBe(0);
    const fixedTwitch = await waitFor(
      async () => {
        const d = await destination(stream.id, twitchCopyId);
        return d?.transcode?.mode === "transcode" && d.state === "live" ? d : undefined;
      },
      { timeoutMs: 10_000, what: "Twitch re-encoding after the switch to auto" },
    );
    expect(fixedTwitch.transcode?.profile).toEqual({ video: { codec: "h264", width: 320, height: 240, fps: 15, kbps: expect.any(Number), keyframeIntervalSec: 2 }, audio: { codec: "none" } });
    expect(fixedTwitch.warnings).toEqual([]);

    expect((await withTimeout(publisher.exited, 20_000, "publisher end")).code).toBe(0);
    await Promise.all([youtubeCopy, twitchAgain, youtubeAuto].map((r) => withTimeout(r!.exited, 15_000, "receiver end")));
    const twitchKeyframes = keyframeIntervals(await probePackets(twitchAgain.file, "video"));
    expect(twitchKeyframes.length).toBeGreaterThanOrEqual(1);
    for (const interval of twitchKeyframes) expect(interval).toBeCloseTo(2, 1);
    expect((await probeRecording(youtubeCopy!.file)).audio).toBeUndefined();
    const fixed = await probeRecording(youtubeAuto!.file);
    expect(fixed.video?.codec).toBe("h264");
    expect(fixed.audio?.codec).toBe("aac");
    expect(fixed.audio!.lastPtsSec - fixed.audio!.firstPtsSec).toBeGreaterThan(3);
    expect(await decodeErrors(youtubeAuto!.file)).toEqual([]);
  });

  it("auto-transcodes a too-high bitrate for Twitch, and restarts a killed ffmpeg without touching the copy", async () => {
    const dir = await makeTempDir("prism-transcode-");
    const stream = await newStream("9 Mbps");
    const copyReceiver = await startRtmpReceiver({ dir, name: "copy" });
    const twitchReceiver = await startRtmpReceiver({ dir, name: "twitch" });
    // A custom server has no limits: auto is a copy.
    const copyId = await addDestination(stream.id, { name: "Own server", platform: "custom", transcode: "auto" }, copyReceiver);
    const twitchId = await addDestination(stream.id, { name: "Twitch", platform: "twitch", transcode: "auto" }, twitchReceiver);

    // Strict CBR with filler: 9 Mbps even for a small, simple picture.
    const publisher = publishTestStream({
      url: t.publishUrl(stream.streamKey),
      durationSec: Infinity,
      fps: 15,
      keyframeIntervalSec: 2,
      videoBitrateKbps: 9000,
      extraOutputArgs: ["-minrate", "9000k", "-x264-params", "nal-hrd=cbr"],
    });
    const twitch = await waitFor(
      async () => {
        const d = await destination(stream.id, twitchId);
        return d?.state === "live" && (d.transcode?.fps ?? 0) > 0 ? d : undefined;
      },
      { timeoutMs: 15_000, what: "Twitch transcoding and live" },
    );
    expect(twitch.transcode).toMatchObject({
      mode: "transcode",
      profile: { video: { codec: "h264", width: 320, height: 240, fps: 15, kbps: 6000, keyframeIntervalSec: 2 }, audio: { codec: "copy" } },
      reasons: [expect.stringMatching(/video bitrate is \d+ kbps, above Twitch's limit of 6000 kbps/)],
    });
    expect(twitch.warnings).toEqual([]);
    expect((await destination(stream.id, copyId)).transcode).toEqual({ mode: "copy" });

    await new Promise((r) => setTimeout(r, 3_000));
    const ffmpegs = childProcesses("pipe:0", "libx264");
    expect(ffmpegs).toHaveLength(1);
    process.kill(ffmpegs[0]!, "SIGKILL");
    const killedAt = Date.now();
    const restarted = await waitFor(
      async () => {
        const d = await destination(stream.id, twitchId);
        return d.transcode?.restarts === 1 && (d.transcode.fps ?? 0) > 0 ? d : undefined;
      },
      { timeoutMs: 10_000, what: "the transcoder restarted and encoding again" },
    );
    const recoveredMs = Date.now() - killedAt;
    expect(restarted.transcode?.lastError).toMatch(/ffmpeg stopped: ffmpeg was killed with signal SIGKILL/);
    expect(restarted.state).toBe("live");
    expect(childProcesses("pipe:0", "libx264")).not.toContain(ffmpegs[0]);
    await new Promise((r) => setTimeout(r, 3_000));

    await publisher.stop();
    await Promise.all([copyReceiver, twitchReceiver].map((r) => withTimeout(r.exited, 15_000, "receiver end")));

    // One RTMP session for Twitch, before and after the restart: within the cap, decodable, time never backwards.
    const twitchVideo = await probePackets(twitchReceiver.file, "video");
    expect(packetsKbps(twitchVideo)).toBeLessThan(6000 * 1.1);
    const twitchTimes = await packetTimestamps(twitchReceiver.file, "video");
    expect(isMonotonic(twitchTimes)).toBe(true);
    // About 3 s before the kill and 3 s after the restart; the outage itself leaves no hole in time.
    expect(twitchTimes.at(-1)! - twitchTimes[0]!).toBeGreaterThan(4.5);
    expect(maxGapSec(twitchTimes)).toBeLessThan(0.5);
    expect(await decodeErrors(twitchReceiver.file)).toEqual([]);

    // The copy never noticed: the publisher's 9 Mbps, with no gap.
    const copyVideo = await probePackets(copyReceiver.file, "video");
    expect(packetsKbps(copyVideo)).toBeGreaterThan(7500);
    expect(maxGapSec(await packetTimestamps(copyReceiver.file, "video"))).toBeLessThan(0.25);
    expect(maxGapSec(await packetTimestamps(copyReceiver.file, "audio"))).toBeLessThan(0.25);
    expect(await decodeErrors(copyReceiver.file)).toEqual([]);
    console.log(`transcoder back ${recoveredMs} ms after SIGKILL; Twitch got ${packetsKbps(twitchVideo).toFixed(0)} kbit/s, the copy ${packetsKbps(copyVideo).toFixed(0)} kbit/s`);
  });
});
