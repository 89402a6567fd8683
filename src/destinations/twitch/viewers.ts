import { ChatSlowDown } from "../chat-loop.js";
import { endpoint, readJson } from "../platform-http.js";
import type { ViewerCountSupport } from "../viewer-types.js";

const helixMessage = (body: { message?: string; error?: string }) => body.message ?? body.error;

/**
 * Twitch's live viewer count: GET /helix/streams?user_id=<the account> → data[0].viewer_count (no
 * scope needed, one point of the 800 a minute Helix allows each app and user). An empty `data`
 * means Twitch does not list the channel as live (yet: it shows a stream a little after it starts).
 */
export function twitchViewers(options: { apiUrl: string; clientId: string; intervalMs: number }): ViewerCountSupport {
  return {
    intervalMs: options.intervalMs,
    async read(api) {
      const res = await api.fetch(endpoint(options.apiUrl, "/helix/streams", { user_id: api.account.platformUserId }), { headers: { "Client-Id": options.clientId } });
      if (res.status === 429) {
        await res.body?.cancel();
        // Ratelimit-Reset: when the bucket is full again (unix seconds).
        const reset = Number(res.headers.get("ratelimit-reset"));
        throw new ChatSlowDown("Twitch's API rate limit is reached", Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - Date.now()) : undefined);
      }
      const streams = await readJson<{ data?: Array<{ viewer_count?: number }> }>(res, "Twitch", "tell the stream's viewers", helixMessage);
      const count = streams.data?.[0]?.viewer_count;
      return typeof count === "number" ? { count } : { unavailable: "not live on Twitch yet" };
    },
  };
}
