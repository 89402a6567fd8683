import { ChatSlowDown } from "../chat-loop.js";
import { endpoint, readJson } from "../platform-http.js";
import type { ViewerCountSupport } from "../viewer-types.js";
import type { XChatSettings } from "./settings.js";

const xMessage = (body: { detail?: string; title?: string }) => body.detail ?? body.title;

/** What X says when Prism has nothing to ask: Media Studio broadcasts have no API at all. */
export const X_NO_VIEWER_COUNT = "X exposes no viewer count for Media Studio streams; set the destination's X Enterprise broadcast id (x.broadcastId) to read it from the Livestream API";

/**
 * X's live viewer count, only through the Enterprise Livestream API: GET /2/broadcasts/:id with
 * broadcast.fields=total_watching,total_watched, for the broadcast id the destination's X settings
 * name (`x.broadcastId`, the same id its Enterprise chat uses). Without one it says plainly that X
 * has no count for Media Studio streams.
 */
export function xViewers(options: { apiUrl: string; intervalMs: number }): ViewerCountSupport {
  return {
    intervalMs: options.intervalMs,
    async read(api, stream) {
      const broadcastId = ((await stream.live?.settings()) as XChatSettings | undefined)?.broadcastId;
      if (!broadcastId) return { unavailable: X_NO_VIEWER_COUNT };
      const res = await api.fetch(endpoint(options.apiUrl, `/2/broadcasts/${encodeURIComponent(broadcastId)}`, { "broadcast.fields": "total_watching,total_watched" }));
      if (res.status === 429) {
        await res.body?.cancel();
        const reset = Number(res.headers.get("x-rate-limit-reset"));
        throw new ChatSlowDown("X's rate limit for broadcasts is reached", Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - Date.now()) : undefined);
      }
      const found = await readJson<{ data?: { total_watching?: number; total_watched?: number } }>(res, "X", "tell the broadcast's viewers", xMessage);
      const count = found.data?.total_watching;
      if (typeof count !== "number") return { unavailable: "X gives no viewer count for this broadcast yet (it fills it in once the broadcast is live)" };
      return { count, ...(typeof found.data?.total_watched === "number" && { totalViews: found.data.total_watched }) };
    },
  };
}
