import type { IngestLimits } from "../types.js";

/**
 * TwitCasting's "tool broadcast" over RTMP: H.264 + AAC, up to 1080p60 in its high-quality mode,
 * with a 6 Mbps cap on video and audio together (1 Mbps in the standard mode); a stream above the
 * cap is stopped after a while (haishin.you-soku.net/?p=1237, vip-jikkyo.net/?p=2963 — TwitCasting
 * publishes these caps in its app rather than in a stable help page). Video gets 5.8 Mbps, audio the
 * rest. TwitCasting names no keyframe maximum; Prism encodes 2 s keyframes when it transcodes.
 */
export const twitcastingLimits: IngestLimits = {
  maxVideoKbps: 5_800,
  maxAudioKbps: 200,
  maxWidth: 1920,
  maxHeight: 1080,
  maxFps: 60,
  keyframeIntervalSec: 2,
  videoCodecs: ["H264"],
  audioCodecs: ["AAC"],
};
