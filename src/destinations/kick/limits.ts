import type { IngestLimits } from "../types.js";

/**
 * Kick's streaming setup guide (help.kick.com, "Streaming software setup") asks for H.264 + AAC, a
 * keyframe every 2 s, up to 1080p60 at about 8 Mbps of video and 160 kbps of audio (its ingest is
 * Amazon IVS, whose standard channels take up to 8.5 Mbps). These are the values the guide is
 * commonly quoted with; Kick's developer docs publish none, so they are not verified there.
 */
export const kickLimits: IngestLimits = {
  maxVideoKbps: 8_000,
  maxAudioKbps: 160,
  maxWidth: 1920,
  maxHeight: 1080,
  maxFps: 60,
  keyframeIntervalSec: 2,
  maxKeyframeIntervalSec: 2,
  videoCodecs: ["H264"],
  audioCodecs: ["AAC"],
};

/** A webhook delivery stamped further than this from now is refused as a replay (Kick retries within minutes). */
export const KICK_DELIVERY_WINDOW_MS = 10 * 60_000;

/** Message ids remembered to drop repeated deliveries (at-least-once): a fixed ~1 MB however busy the chat. */
export const KICK_DELIVERY_MEMORY = 10_000;

/** A chat message is at most 500 characters on Kick (POST /chat). */
export const KICK_CHAT_MAX = 500;

/** How often a live stream's chat subscription is checked (Kick drops subscriptions whose webhook keeps failing). */
export const KICK_SUBSCRIPTION_CHECK_MS = 60_000;

/** How long Kick's public key is trusted before it is fetched again. */
export const KICK_PUBLIC_KEY_TTL_MS = 60 * 60_000;
