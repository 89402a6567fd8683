import type { IngestLimits } from "../types.js";

/**
 * YouTube Live ("Choose live encoder settings, bitrates, and resolutions",
 * support.google.com/youtube/answer/2853702): H.264 over RTMP(S), HEVC and AV1 over enhanced RTMP;
 * keyframe frequency 2 s recommended and never above 4 s; AAC or MP3 audio, and a stream must carry
 * audio (YouTube's stream health reports `noAudioStream` and the broadcast does not play without it).
 * Bitrates: the page's highest H.264 recommendations per resolution — 720p up to 8 Mbps, 1080p60
 * 12 Mbps, 1440p60 24 Mbps (30 for HEVC/AV1) — and up to ~51 Mbps for 2160p60, the ceiling of the
 * page's earlier 4K range (20–51 Mbps).
 */
export const youtubeLimits: IngestLimits = {
  maxVideoKbps: 51_000,
  videoKbpsByHeight: [
    { maxHeight: 720, maxKbps: 8_000 },
    { maxHeight: 1080, maxKbps: 12_000 },
    { maxHeight: 1440, maxKbps: 30_000 },
    { maxHeight: 2160, maxKbps: 51_000 },
  ],
  maxWidth: 3840,
  maxHeight: 2160,
  maxFps: 60,
  keyframeIntervalSec: 2,
  maxKeyframeIntervalSec: 4,
  videoCodecs: ["H264", "HEVC", "AV1"],
  audioCodecs: ["AAC", "MP3"],
  requiresAudio: true,
};
