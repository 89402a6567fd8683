import type { ViewerCountSupport } from "../viewer-types.js";
import { kickCall } from "./api.js";

/**
 * Kick's live viewer count: GET /channels (the token's own channel, scope channel:read) →
 * data[0].stream.viewer_count, while stream.is_live. A 429 waits as Kick's Retry-After says.
 */
export function kickViewers(options: { apiUrl: string; intervalMs: number }): ViewerCountSupport {
  return {
    intervalMs: options.intervalMs,
    async read(api) {
      const channels = await kickCall<{ data?: Array<{ stream?: { is_live?: boolean; viewer_count?: number } | null }> }>(api, options.apiUrl, "tell the stream's viewers", "/channels", { slowDown: true });
      const stream = channels.data?.[0]?.stream;
      if (!stream?.is_live || typeof stream.viewer_count !== "number") return { unavailable: "not live on Kick yet" };
      return { count: stream.viewer_count };
    },
  };
}
