import type { AccountApi, StreamInfo } from "./account-api.js";

/**
 * One read of a destination's live audience: the platform's current count (and, where it keeps one,
 * the views of the whole broadcast so far), or why there is none, in words the streamer can read
 * ("hidden" by the channel's owner, not live on the platform yet, no count for that kind of stream).
 */
export type ViewerReading = { count: number; totalViews?: number } | { unavailable: string };

/**
 * A platform's live viewer count, read through a linked account (issue #17). Prism's poller
 * (src/audience/) calls `read` once per `intervalMs` for each live destination, backs off on its own
 * when a read throws (PlatformUnavailable, a 429; ChatSlowDown's retryAfterMs is honoured) and goes on
 * with the other platforms meanwhile. A read that refuses for good (PlatformRefused) is shown as the
 * reason and tried again at the slowest backoff.
 */
export interface ViewerCountSupport {
  /** Between two reads of one destination: the platform's rate limits and quota decide it. */
  intervalMs: number;
  read(api: AccountApi, stream: StreamInfo): Promise<ViewerReading>;
}
