import type { IngestLimits } from "../types.js";

/**
 * Facebook's recommended live settings (developers.facebook.com/docs/live-video-api/reference,
 * "Recommended Settings"): H.264 (level 4.2 for 1080p60) with AAC-LC, a keyframe every 2 s and
 * never more than 4 s apart, 1080p60 at 4.5–9 Mbps at most, audio 128 kbps at 48 kHz, RTMPS only,
 * and no setting changed mid-broadcast (a broadcast may last 8 hours).
 */
export const facebookLimits: IngestLimits = {
  maxVideoKbps: 9_000,
  maxAudioKbps: 128,
  maxWidth: 1920,
  maxHeight: 1080,
  maxFps: 60,
  keyframeIntervalSec: 2,
  maxKeyframeIntervalSec: 4,
  videoCodecs: ["H264"],
  audioCodecs: ["AAC"],
};
