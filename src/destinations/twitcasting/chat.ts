import type { BackoffPolicy } from "../../core/backoff.js";
import type { AccountApi, StreamInfo } from "../account-types.js";
import { CHAT_BACKOFF, ChatSlowDown, ChatWaiting, runChatLoop } from "../chat-loop.js";
import type { ChatSupport, IncomingChatMessage } from "../chat-types.js";
import { endpoint, readJson } from "../platform-http.js";

const tcMessage = (body: { error?: { code?: number; message?: string } }) => body.error?.message;
const V2 = { "X-Api-Version": "2.0", Accept: "application/json" };
/** The most comments one call returns. */
const PAGE = 50;

interface Comment {
  id: string;
  message: string;
  from_user: { id: string; screen_id: string; name: string; image: string };
  created: number;
}

export interface TwitCastingChatOptions {
  apiUrl: string;
  /**
   * Between polls. TwitCasting allows 60 calls a minute per token, shared with everything else
   * Prism asks for the account, so the default stays well under it.
   */
  pollMs?: number;
  /** How often the current live is asked again, to follow the streamer onto a new movie. */
  movieCheckMs?: number;
  backoff?: BackoffPolicy;
}

/**
 * TwitCasting comments: the current movie's comments polled with `slice_id` (only comments after the
 * newest one read), so nothing is read twice and a reader that was cut off resumes where it stopped.
 * Lists come newest first and are handed over oldest first. TwitCasting does not say which end of
 * the new comments a full `slice_id` answer (50) keeps; it reads as the newest 50, which would leave
 * a gap behind them. So a full answer is completed by walking back from the newest with `offset`
 * until a page reaches a comment already read: nothing is skipped whichever end TwitCasting keeps.
 */
export function twitcastingChat(options: TwitCastingChatOptions): ChatSupport {
  const movies = new Map<string, string>();
  const pollMs = options.pollMs ?? 4_000;
  const movieCheckMs = options.movieCheckMs ?? 60_000;

  async function call<T>(api: AccountApi, what: string, path: string, query: Record<string, string> = {}, init: { method?: string; body?: unknown } = {}): Promise<{ body: T; res: Response }> {
    const res = await api.fetch(endpoint(options.apiUrl, path, query), {
      method: init.method ?? "GET",
      headers: { ...V2, ...(init.body !== undefined && { "Content-Type": "application/json" }) },
      ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
    });
    if (res.status === 429) throw new ChatSlowDown("TwitCasting's rate limit is reached", untilReset(res));
    return { body: await readJson<T>(res, "TwitCasting", what, tcMessage), res };
  }

  /** The movie the streamer is live in now; a "not live" answer is waited out, not a failure. */
  async function currentMovie(api: AccountApi): Promise<string> {
    const res = await api.fetch(endpoint(options.apiUrl, `/users/${encodeURIComponent(api.account.platformUserId)}/current_live`), { headers: V2 });
    if (res.status === 404) {
      await res.body?.cancel();
      throw new ChatWaiting("not live on TwitCasting yet", movieCheckMs / 6);
    }
    if (res.status === 429) throw new ChatSlowDown("TwitCasting's rate limit is reached", untilReset(res));
    const live = await readJson<{ movie?: { id: string } }>(res, "TwitCasting", "tell the current live", tcMessage);
    if (!live.movie?.id) throw new ChatSlowDown("TwitCasting named no current movie");
    return live.movie.id;
  }

  async function movieOf(api: AccountApi, stream: StreamInfo): Promise<string> {
    const known = movies.get(stream.destinationId);
    if (known) return known;
    const movie = await currentMovie(api);
    movies.set(stream.destinationId, movie);
    return movie;
  }

  return {
    async read(api, stream, sink, signal) {
      let movie: string | undefined;
      let sliceId: string | undefined;
      let checkedAt = 0;
      await runChatLoop(sink, signal, options.backoff ?? CHAT_BACKOFF, async () => {
        if (!movie || Date.now() - checkedAt >= movieCheckMs) {
          const now = await currentMovie(api);
          checkedAt = Date.now();
          if (now !== movie) [movie, sliceId] = [now, undefined];
          movies.set(stream.destinationId, now);
        }
        const listPath = `/movies/${encodeURIComponent(movie)}/comments`;
        const list = (query: Record<string, string>) => call<{ comments: Comment[] }>(api, "list the comments", listPath, { limit: String(PAGE), ...query });
        let { body, res } = await list(sliceId ? { slice_id: sliceId } : { offset: "0" });
        let found = body.comments;
        if (sliceId && found.length >= PAGE) {
          const after = BigInt(sliceId);
          for (let offset = 0; !signal.aborted; offset += PAGE) {
            ({ body, res } = await list({ offset: String(offset) }));
            found = found.concat(body.comments.filter((c) => BigInt(c.id) > after));
            if (body.comments.length === 0 || body.comments.some((c) => BigInt(c.id) <= after)) break;
          }
        }
        const oldestFirst = [...new Map(found.map((c) => [c.id, c])).values()].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
        if (oldestFirst.length) {
          sink.messages(oldestFirst.map(toIncoming));
          sliceId = oldestFirst.at(-1)!.id;
        }
        const remaining = Number(res.headers.get("x-ratelimit-remaining"));
        return { waitMs: res.headers.has("x-ratelimit-remaining") && remaining <= 1 ? Math.max(pollMs, untilReset(res) ?? pollMs) : pollMs, complete: true };
      });
    },

    async send(api, stream, text) {
      const movie = await movieOf(api, stream);
      await call(api, "post the comment", `/movies/${encodeURIComponent(movie)}/comments`, {}, { method: "POST", body: { comment: text.slice(0, 140), sns: "none" } });
    },

    async deleteMessage(api, stream, platformMessageId) {
      const movie = await movieOf(api, stream);
      await call(api, "delete the comment", `/movies/${encodeURIComponent(movie)}/comments/${encodeURIComponent(platformMessageId)}`, {}, { method: "DELETE" });
    },
    // TwitCasting's API has no way to block a viewer, so banAuthor is absent.
  };
}

/** Milliseconds until X-RateLimit-Reset (unix seconds), when TwitCasting sent it. */
export function untilReset(res: Response): number | undefined {
  const reset = Number(res.headers.get("x-ratelimit-reset"));
  return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - Date.now()) : undefined;
}

function toIncoming(c: Comment): IncomingChatMessage {
  return {
    platformMessageId: c.id,
    author: { id: c.from_user.id, name: c.from_user.name || c.from_user.screen_id, ...(c.from_user.image && { avatarUrl: c.from_user.image }), badges: [] },
    text: c.message,
    sentAt: new Date(c.created * 1000),
  };
}
