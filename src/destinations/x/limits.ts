import type TwitterText from "twitter-text";
import { lazyModule } from "../../core/lazy-module.js";
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

/**
 * Recent search (GET /2/tweets/search/recent) allows 300 requests per 15 minutes per user (450 per
 * app). One poll may take several pages, so Prism polls every 5 s: at most 180 polls a window, the
 * rest left for the pages of a busy conversation.
 */
export const X_RECENT_SEARCH_PER_15_MIN = 300;
export const X_SEARCH_POLL_MS = 5_000;

/** POST /2/broadcasts/:id/chat takes 1–140 characters, counted the way X counts a post. */
export const X_BROADCAST_CHAT_MAX = 140;

/**
 * Length the way X counts it, with twitter-text (X's own counting library): Latin letters count 1,
 * CJK characters and each emoji (a whole ZWJ sequence) 2, a URL 23 whatever its length.
 */
export const xWeightedLength = (text: string): number => twitterText().parseTweet(text).weightedLength;
/** ~6 MiB once loaded: only a relay with X chat ever counts a post. */
const twitterText = lazyModule<typeof TwitterText>(import.meta.url, "twitter-text");

/**
 * X's answer when the app's monthly usage is spent (HTTP 429 with a problem body:
 * {"title":"UsageCapExceeded","type":"https://api.twitter.com/2/problems/usage-capped","period":"Monthly",...}).
 * It is no rate limit: waiting 15 minutes does not help, only the next usage period (or a bigger plan).
 */
export function xUsageCapMessage(body: unknown): string | undefined {
  const problem = body as { title?: string; type?: string; period?: string; detail?: string } | undefined;
  if (problem?.title !== "UsageCapExceeded" && !problem?.type?.endsWith("/usage-capped")) return undefined;
  const period = (problem.period ?? "monthly").toLowerCase();
  return `X's ${period} post cap for this app is used up until the app's next ${period} usage period starts (X said: ${problem.detail ?? "usage cap exceeded"}); the X developer console shows the app's usage and when it resets, or a larger plan lifts the cap`;
}
