import type { IngestLimits } from "../../core/ingest-limits.js";
import type { TranscodeFormat } from "../../media/ffmpeg.js";
import type { OutputProfile, TranscodeSetting } from "../../core/transcode-setting.js";

/** What is known about the ingest when a plan is made or warnings are given. */
export interface IngestFacts {
  videoCodec: string | null;
  audioCodec: string | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  videoKbps: number | null;
  audioKbps: number | null;
  keyframeIntervalSec: number | null;
  hasVideo: boolean;
  hasAudio: boolean;
}

/** The platform as far as planning goes. */
export interface PlatformRules {
  displayName: string;
  limits: IngestLimits | null;
}

export type TranscodePlan = { mode: "copy" } | { mode: "transcode"; format: TranscodeFormat; reasons: string[] };

export interface Issue {
  /** The track a transcode of which fixes it. */
  track: "video" | "audio";
  message: string;
}

/** Measured figures wobble: a CBR stream at the cap reads a little above it now and then. */
const BITRATE_TOLERANCE = 1.1;
const KEYFRAME_TOLERANCE_SEC = 0.25;
const FPS_TOLERANCE = 1;
const DEFAULT_KEYFRAME_SEC = 2;
const DEFAULT_FPS = 30;
const DEFAULT_AUDIO_KBPS = 128;

/** The video bitrate cap for a picture of this height. */
export function videoKbpsCap(limits: IngestLimits, height: number | null): number | undefined {
  const step = height === null ? undefined : limits.videoKbpsByHeight?.find((s) => height <= s.maxHeight);
  return step?.maxKbps ?? limits.maxVideoKbps;
}

/** Every way the ingest breaks the platform's published rules, in words a streamer can act on. */
export function complianceIssues(platform: PlatformRules, facts: IngestFacts): Issue[] {
  const limits = platform.limits;
  if (!limits) return [];
  const name = platform.displayName;
  const issues: Issue[] = [];
  const video = (message: string) => issues.push({ track: "video", message });
  const audio = (message: string) => issues.push({ track: "audio", message });

  if (facts.hasVideo) {
    if (facts.videoCodec && limits.videoCodecs && !limits.videoCodecs.includes(facts.videoCodec)) {
      video(`The video is ${facts.videoCodec}, but ${name} only takes ${list(limits.videoCodecs)} over RTMP: set OBS's encoder to H.264 (x264 or a hardware H.264 encoder), or let Prism convert it (transcode "auto").`);
    }
    const maxKeyframe = limits.maxKeyframeIntervalSec;
    if (maxKeyframe !== undefined && facts.keyframeIntervalSec !== null && facts.keyframeIntervalSec > maxKeyframe + KEYFRAME_TOLERANCE_SEC) {
      video(`A keyframe comes only every ${round1(facts.keyframeIntervalSec)} s, but ${name} needs one at least every ${maxKeyframe} s: set OBS → Settings → Output → Keyframe Interval to ${maxKeyframe}, or let Prism re-encode for ${name} (transcode "auto").`);
    }
    const cap = videoKbpsCap(limits, facts.height);
    if (cap !== undefined && facts.videoKbps !== null && facts.videoKbps > cap * BITRATE_TOLERANCE) {
      video(`The video bitrate is ${facts.videoKbps} kbps, above ${name}'s limit of ${cap} kbps: lower it in OBS (Settings → Output → Bitrate), or let Prism re-encode for ${name} (transcode "auto").`);
    }
    if (facts.width && facts.height && !fits(facts.width, facts.height, limits)) {
      video(`The picture is ${facts.width}×${facts.height}, larger than ${name} accepts (${limits.maxWidth ?? "any"}×${limits.maxHeight ?? "any"}): lower OBS's output resolution, or let Prism scale it (transcode "auto").`);
    }
    if (limits.maxFps !== undefined && facts.fps !== null && facts.fps > limits.maxFps + FPS_TOLERANCE) {
      video(`The stream runs at ${Math.round(facts.fps)} fps, more than ${name} accepts (${limits.maxFps} fps): lower OBS's frame rate, or let Prism convert it (transcode "auto").`);
    }
  }

  if (!facts.hasAudio) {
    if (limits.requiresAudio) {
      audio(`There is no audio track, and ${name} silently refuses a stream without audio: add an audio source in OBS (even a muted microphone), or let Prism add silence (transcode "auto").`);
    }
  } else {
    if (facts.audioCodec && limits.audioCodecs && !limits.audioCodecs.includes(facts.audioCodec)) {
      audio(`The audio is ${facts.audioCodec}, but ${name} only takes ${list(limits.audioCodecs)}: set OBS's audio encoder to AAC, or let Prism convert it (transcode "auto").`);
    }
    if (limits.maxAudioKbps !== undefined && facts.audioKbps !== null && facts.audioKbps > limits.maxAudioKbps * BITRATE_TOLERANCE) {
      audio(`The audio bitrate is ${facts.audioKbps} kbps, above ${name}'s limit of ${limits.maxAudioKbps} kbps: lower it in OBS (Settings → Output → Audio Bitrate), or let Prism re-encode it (transcode "auto").`);
    }
  }
  return issues;
}

/**
 * Copy or transcode, and to what. "copy" always copies; "auto" copies when the ingest keeps the
 * platform's rules and otherwise re-encodes only the tracks that break them, down to the limits;
 * a profile re-encodes to it, its own values first and the platform's limits for the rest. Never
 * scales up or raises the frame rate: that costs bandwidth and shows nothing new.
 */
export function decidePlan(setting: TranscodeSetting, platform: PlatformRules, facts: IngestFacts): TranscodePlan {
  if (setting === "copy" || !facts.hasVideo) return { mode: "copy" };
  const limits = platform.limits ?? {};
  const issues = complianceIssues(platform, facts);
  const profile: OutputProfile = setting === "auto" ? {} : setting;
  const wantsVideo = ["videoKbps", "width", "height", "fps", "keyframeIntervalSec"].some((k) => profile[k as keyof OutputProfile] !== undefined);
  const encodeVideo = wantsVideo || issues.some((i) => i.track === "video");
  const encodeAudio = profile.audioKbps !== undefined || issues.some((i) => i.track === "audio");
  if (!encodeVideo && !encodeAudio) return { mode: "copy" };

  const format: TranscodeFormat = {
    video: encodeVideo ? videoTarget(profile, limits, facts) : { codec: "copy" },
    audio: encodeAudio ? audioTarget(profile, limits, facts) : facts.hasAudio ? { codec: "copy" } : { codec: "none" },
  };
  const reasons = issues.map((i) => i.message);
  if (setting !== "auto") reasons.unshift("This destination has its own transcoding profile.");
  return { mode: "transcode", format, reasons };
}

/** The issues a destination still has given what it is sent: only tracks passed through unchanged keep theirs. */
export function warningsFor(plan: TranscodePlan, platform: PlatformRules, facts: IngestFacts): string[] {
  const copied = (track: "video" | "audio") =>
    plan.mode === "copy" || (track === "video" ? plan.format.video.codec === "copy" : plan.format.audio.codec === "copy" || plan.format.audio.codec === "none");
  return complianceIssues(platform, facts)
    .filter((i) => copied(i.track))
    .map((i) => i.message);
}

function videoTarget(profile: OutputProfile, limits: IngestLimits, facts: IngestFacts): TranscodeFormat["video"] {
  const ingestFps = facts.fps ? Math.round(facts.fps) : null;
  const fps = Math.max(1, Math.min(profile.fps ?? Infinity, ingestFps ?? profile.fps ?? DEFAULT_FPS, limits.maxFps ?? Infinity));
  const box = { width: profile.width ?? limits.maxWidth ?? Infinity, height: profile.height ?? limits.maxHeight ?? Infinity };
  const { width, height } = fitInside(facts.width, facts.height, box, profile);
  const cap = videoKbpsCap(limits, height);
  const kbps = profile.videoKbps ?? Math.min(facts.videoKbps ?? cap ?? 6000, cap ?? Infinity);
  const keyframeIntervalSec = profile.keyframeIntervalSec ?? limits.keyframeIntervalSec ?? Math.min(DEFAULT_KEYFRAME_SEC, limits.maxKeyframeIntervalSec ?? Infinity);
  return { codec: "h264", width, height, fps, kbps: Math.max(100, Math.round(kbps)), keyframeIntervalSec };
}

function audioTarget(profile: OutputProfile, limits: IngestLimits, facts: IngestFacts): TranscodeFormat["audio"] {
  if (!facts.hasAudio && !limits.requiresAudio) return { codec: "none" };
  const cap = limits.maxAudioKbps ?? Infinity;
  const kbps = profile.audioKbps ?? Math.min(facts.hasAudio ? (facts.audioKbps ?? DEFAULT_AUDIO_KBPS) : DEFAULT_AUDIO_KBPS, cap);
  return { codec: "aac", kbps: Math.max(32, Math.round(kbps)), silent: !facts.hasAudio };
}

/**
 * The largest even size with the ingest's aspect that fits the box without scaling up. A profile
 * that names both width and height gets exactly that (letterboxed by ffmpeg if the aspect differs).
 */
function fitInside(
  width: number | null,
  height: number | null,
  box: { width: number; height: number },
  profile: OutputProfile,
): { width: number; height: number } {
  if (!width || !height) {
    // Unknown ingest size (an exotic codec): the box, or 720p if it has no bounds.
    return { width: even(Number.isFinite(box.width) ? box.width : 1280), height: even(Number.isFinite(box.height) ? box.height : 720) };
  }
  if (profile.width !== undefined && profile.height !== undefined && profile.width <= width && profile.height <= height) {
    return { width: even(profile.width), height: even(profile.height) };
  }
  // Platforms state caps for landscape; a portrait stream gets the same box turned on its side.
  if (height > width && box.width > box.height && profile.width === undefined && profile.height === undefined) {
    box = { width: box.height, height: box.width };
  }
  const scale = Math.min(1, box.width / width, box.height / height);
  return { width: even(width * scale), height: even(height * scale) };
}

function fits(width: number, height: number, limits: IngestLimits): boolean {
  const [w, h] = [limits.maxWidth ?? Infinity, limits.maxHeight ?? Infinity];
  // A portrait stream fits if it fits turned on its side: platforms give caps for landscape.
  return (width <= w && height <= h) || (width <= h && height <= w);
}

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
const round1 = (n: number) => Math.round(n * 10) / 10;
const list = (items: readonly string[]) => (items.length === 1 ? items[0]! : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`);
