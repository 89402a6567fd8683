import type { IngestLimits } from "../types.js";

/**
 * X (Media Studio Producer, now Live Studio: help.x.com/en/using-x/live-studio): RTMP(S) sources
 * take H.264 video and AAC audio, up to 1080p at 60 fps. X's Producer guide
 * (media.twitter.com/en/articles/products/2018/media-studio/producer) links "recommended stream
 * specifications" whose table we could not retrieve to cite. The caps below — a keyframe every 3 s,
 * at most 9 Mbps of video, 128 kbps AAC — are the values those specifications are commonly quoted
 * with, not verified against X's current page: check them there before relying on them. X's HLS
 * ingest picks the variant closest to 720p (its "Delivering Live Video via HLS" guide), so 720p is
 * what X itself favours.
 */
export const xLimits: IngestLimits = {
  maxVideoKbps: 9_000,
  maxAudioKbps: 128,
  maxWidth: 1920,
  maxHeight: 1080,
  maxFps: 60,
  keyframeIntervalSec: 3,
  maxKeyframeIntervalSec: 3,
  videoCodecs: ["H264"],
  audioCodecs: ["AAC"],
};
