import type { IngestLimits } from "../types.js";

/**
 * Twitch's broadcast requirements (help.twitch.tv "Broadcast Requirements", article 1253460, and
 * Creator Camp "Broadcast Recommendations", twitch.tv/creatorcamp/en/paths/going-live/broadcast-recommendations):
 * H.264 in strict CBR, a keyframe every 2 seconds, 25/30 or 50/60 fps, AAC-LC stereo or mono.
 * 6 Mbps is the video cap for streamers without a partner agreement (Creator Camp recommends 3–6);
 * audio is capped at 160 kbps by the requirements page (Creator Camp now allows 320, so 160 is the
 * safe side). HEVC/AV1 reach Twitch only through its Enhanced Broadcasting multitrack, not a plain
 * RTMP push, so a relayed stream must be H.264.
 */
export const twitchLimits: IngestLimits = {
  maxVideoKbps: 6000,
  maxAudioKbps: 160,
  maxWidth: 1920,
  maxHeight: 1080,
  maxFps: 60,
  keyframeIntervalSec: 2,
  maxKeyframeIntervalSec: 2,
  videoCodecs: ["H264"],
  audioCodecs: ["AAC"],
};
