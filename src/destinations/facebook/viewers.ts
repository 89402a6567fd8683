import type { ViewerCountSupport } from "../viewer-types.js";
import type { LiveVideoRef } from "./chat.js";
import { graph } from "./graph.js";

/**
 * Facebook's live viewer count: GET /{live-video-id}?fields=live_views,status with the Page's token
 * (pages_read_engagement, already asked for the comments) → live_views. A rate limit is a
 * GraphRateLimited (PlatformUnavailable): the poller backs off.
 */
export function facebookViewers(options: { apiUrl: string; intervalMs: number; liveVideoOf(destinationId: string): LiveVideoRef | undefined }): ViewerCountSupport {
  return {
    intervalMs: options.intervalMs,
    async read(api, stream) {
      const live = options.liveVideoOf(stream.destinationId);
      if (!live) return { unavailable: "not live on Facebook yet" };
      const video = await graph<{ live_views?: number; status?: string }>(api, options.apiUrl, "tell the live video's viewers", `/${encodeURIComponent(live.liveVideoId)}`, {
        page: live.page,
        query: { fields: "live_views,status" },
      });
      if (typeof video.live_views !== "number") return { unavailable: "Facebook gives no viewer count for this live video yet" };
      return { count: video.live_views };
    },
  };
}
