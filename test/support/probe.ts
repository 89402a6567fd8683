import { ffmpegPath, ffprobePath } from "../../src/media/binaries.js";
import { runToCompletion } from "./children.js";

/**
 * Analysis of what a receiver recorded. Durations come from packet timestamps, not container
 * metadata: a relay that drops the middle of a stream can still leave a plausible-looking
 * duration field, and live FLV recordings often carry none at all.
 */

export interface StreamInfo {
  index: number;
  codecType: string;
  codecName: string;
  width?: number;
  height?: number;
  sampleRate?: number;
  channels?: number;
}

export interface VideoSummary {
  codec: string;
  width: number;
  height: number;
  packets: number;
  keyframes: number;
  firstPtsSec: number;
  lastPtsSec: number;
}

export interface AudioSummary {
  codec: string;
  packets: number;
  firstPtsSec: number;
  lastPtsSec: number;
}

export interface Recording {
  streams: StreamInfo[];
  /** First video stream, if any. */
  video?: VideoSummary;
  /** First audio stream, if any. */
  audio?: AudioSummary;
  /** max(pts + duration) - min(pts) over all packets of all streams; 0 for an empty file. */
  durationSec: number;
}

interface RawStream {
  index?: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  sample_rate?: string;
  channels?: number;
}

interface RawPacket {
  stream_index?: number;
  pts_time?: string;
  dts_time?: string;
  duration_time?: string;
  flags?: string;
}

interface RawProbe {
  streams?: RawStream[];
  packets?: RawPacket[];
}

/** ffprobe prints times as strings and leaves the key out (or prints "N/A") when unknown. */
function seconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number.parseFloat(value);
  return Number.isFinite(n) ? n : undefined;
}

async function ffprobeJson(args: string[]): Promise<RawProbe> {
  const result = await runToCompletion(ffprobePath(), ["-v", "error", "-of", "json", ...args]);
  if (result.code !== 0) {
    throw new Error(`ffprobe ${args.join(" ")} failed with code ${result.code}\n${result.stderr}`);
  }
  return JSON.parse(result.stdout) as RawProbe;
}

export async function probeRecording(file: string): Promise<Recording> {
  // -show_entries instead of -show_streams/-show_packets: only the fields we read, so a minute of
  // 25 fps video + audio stays a few hundred KB of JSON.
  const raw = await ffprobeJson([
    "-show_entries",
    "stream=index,codec_type,codec_name,width,height,sample_rate,channels:packet=stream_index,pts_time,dts_time,duration_time,flags",
    file,
  ]);

  const streams: StreamInfo[] = (raw.streams ?? []).map((s) => {
    const info: StreamInfo = { index: s.index ?? -1, codecType: s.codec_type ?? "unknown", codecName: s.codec_name ?? "unknown" };
    if (s.width !== undefined) info.width = s.width;
    if (s.height !== undefined) info.height = s.height;
    const sampleRate = seconds(s.sample_rate);
    if (sampleRate !== undefined) info.sampleRate = sampleRate;
    if (s.channels !== undefined) info.channels = s.channels;
    return info;
  });

  const packets = raw.packets ?? [];
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const p of packets) {
    const pts = seconds(p.pts_time) ?? seconds(p.dts_time);
    if (pts === undefined) continue;
    start = Math.min(start, pts);
    end = Math.max(end, pts + (seconds(p.duration_time) ?? 0));
  }

  const summarize = (stream: StreamInfo | undefined) => {
    if (stream === undefined) return undefined;
    const own = packets.filter((p) => p.stream_index === stream.index);
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    let keyframes = 0;
    for (const p of own) {
      if (p.flags?.startsWith("K")) keyframes++;
      const pts = seconds(p.pts_time) ?? seconds(p.dts_time);
      if (pts === undefined) continue;
      first = Math.min(first, pts);
      last = Math.max(last, pts);
    }
    return {
      codec: stream.codecName,
      packets: own.length,
      keyframes,
      firstPtsSec: Number.isFinite(first) ? first : 0,
      lastPtsSec: Number.isFinite(last) ? last : 0,
    };
  };

  const videoStream = streams.find((s) => s.codecType === "video");
  const audioStream = streams.find((s) => s.codecType === "audio");
  const recording: Recording = { streams, durationSec: Number.isFinite(start) ? end - start : 0 };
  const video = summarize(videoStream);
  if (video !== undefined && videoStream !== undefined) {
    recording.video = { ...video, width: videoStream.width ?? 0, height: videoStream.height ?? 0 };
  }
  const audio = summarize(audioStream);
  if (audio !== undefined) {
    recording.audio = { codec: audio.codec, packets: audio.packets, firstPtsSec: audio.firstPtsSec, lastPtsSec: audio.lastPtsSec };
  }
  return recording;
}

/**
 * Decode timestamps (dts, falling back to pts) in seconds, in file order, for the first stream of
 * that kind. File order rather than sorted, because "timestamps go backwards" is what we look for.
 */
export async function packetTimestamps(file: string, kind: "video" | "audio"): Promise<number[]> {
  const raw = await ffprobeJson([
    "-select_streams",
    kind === "video" ? "v:0" : "a:0",
    "-show_entries",
    "packet=pts_time,dts_time",
    file,
  ]);
  const out: number[] = [];
  for (const p of raw.packets ?? []) {
    const t = seconds(p.dts_time) ?? seconds(p.pts_time);
    if (t !== undefined) out.push(t);
  }
  return out;
}

/** True when no timestamp is lower than its predecessor (equal is allowed unless `strict`). */
export function isMonotonic(ts: readonly number[], strict = false): boolean {
  for (let i = 1; i < ts.length; i++) {
    const prev = ts[i - 1] as number;
    const cur = ts[i] as number;
    if (strict ? cur <= prev : cur < prev) return false;
  }
  return true;
}

/** Largest forward step between consecutive timestamps (0 for fewer than two). */
export function maxGapSec(ts: readonly number[]): number {
  let gap = 0;
  for (let i = 1; i < ts.length; i++) gap = Math.max(gap, (ts[i] as number) - (ts[i - 1] as number));
  return gap;
}

/**
 * Fully decodes the file and returns ffmpeg's error lines; [] means it decodes cleanly. A
 * non-zero exit with no error output still counts as an error.
 */
export async function decodeErrors(file: string): Promise<string[]> {
  const result = await runToCompletion(ffmpegPath(), ["-nostdin", "-v", "error", "-i", file, "-f", "null", "-"]);
  const lines = result.stderr.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (result.code !== 0 && lines.length === 0) lines.push(`ffmpeg exited with code ${result.code ?? result.signal}`);
  return lines;
}

/**
 * Presentation times (s) of the decoded video frames, in the order a player shows them: what a
 * viewer sees. With B-frames these differ from the packets' decode order.
 */
export async function framePresentationTimes(file: string): Promise<number[]> {
  const raw = (await ffprobeJson(["-select_streams", "v:0", "-show_entries", "frame=pkt_pts_time,best_effort_timestamp_time", "-show_frames", file])) as {
    frames?: Array<{ pkt_pts_time?: string; best_effort_timestamp_time?: string }>;
  };
  const out: number[] = [];
  for (const f of raw.frames ?? []) {
    const t = seconds(f.pkt_pts_time) ?? seconds(f.best_effort_timestamp_time);
    if (t !== undefined) out.push(t);
  }
  return out;
}

/** Decode timestamps (s) of a stream's packets in file order, without falling back to pts. */
export async function decodeTimestamps(file: string, kind: "video" | "audio"): Promise<number[]> {
  const raw = await ffprobeJson(["-select_streams", kind === "video" ? "v:0" : "a:0", "-show_entries", "packet=dts_time", file]);
  return (raw.packets ?? []).map((p) => seconds(p.dts_time)).filter((t): t is number => t !== undefined);
}

/** Where `ts` steps back or stands still: [index, previous, current] of each such step. */
export function nonIncreasing(ts: readonly number[]): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (let i = 1; i < ts.length; i++) if (ts[i]! <= ts[i - 1]!) out.push([i, ts[i - 1]!, ts[i]!]);
  return out;
}

/**
 * Where consecutive decode times (s) step by other than a whole number of frames of `frameSec`
 * (within 1 ms, the rounding of FLV timestamps): [index, step in ms] of each. Across source
 * switches a constant-frame-rate stream must stay on its grid: readers that infer the frame rate
 * from the timestamps (ffmpeg itself) otherwise guess a wrong one, e.g. 24.83 fps for 25.
 */
export function offGridSteps(ts: readonly number[], frameSec: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 1; i < ts.length; i++) {
    const stepSec = ts[i]! - ts[i - 1]!;
    const frames = Math.round(stepSec / frameSec);
    if (frames < 1 || Math.abs(stepSec - frames * frameSec) > 0.001) out.push([i, Math.round(stepSec * 1000)]);
  }
  return out;
}
