import { ChatSlowDown } from "../chat-loop.js";
import { endpoint, readJson } from "../platform-http.js";
import type { ViewerCountSupport } from "../viewer-types.js";
import { untilReset } from "./chat.js";

const tcMessage = (body: { error?: { code?: number; message?: string } }) => body.error?.message;
const V2 = { "X-Api-Version": "2.0", Accept: "application/json" };

/**
 * TwitCasting's live viewer count: GET /users/:id/current_live → movie.current_view_count (and
 * total_view_count, the movie's views so far). 404 means not live. One call of the 60 a minute
 * TwitCasting allows a token, shared with the chat reader (15 a minute at its 4 s pace).
 */
export function twitcastingViewers(options: { apiUrl: string; intervalMs: number }): ViewerCountSupport {
  return {
    intervalMs: options.intervalMs,
    async read(api) {
      const res = await api.fetch(endpoint(options.apiUrl, `/users/${encodeURIComponent(api.account.platformUserId)}/current_live`), { headers: V2 });
      if (res.status === 404) {
        await res.body?.cancel();
        return { unavailable: "not live on TwitCasting yet" };
      }
      if (res.status === 429) {
        await res.body?.cancel();
        throw new ChatSlowDown("TwitCasting's rate limit is reached", untilReset(res));
      }
      const live = await readJson<{ movie?: { is_live?: boolean; current_view_count?: number; total_view_count?: number } }>(res, "TwitCasting", "tell the current live's viewers", tcMessage);
      const movie = live.movie;
      if (!movie || movie.is_live === false || typeof movie.current_view_count !== "number") return { unavailable: "not live on TwitCasting yet" };
      return { count: movie.current_view_count, ...(typeof movie.total_view_count === "number" && { totalViews: movie.total_view_count }) };
    },
  };
}
