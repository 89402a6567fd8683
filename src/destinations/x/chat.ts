import type { BackoffPolicy } from "../../relay/backoff.js";
import type { AccountApi, StreamInfo } from "../account-types.js";
import { PlatformRefused } from "../account-types.js";
import { CHAT_BACKOFF, ChatSlowDown, runChatLoop } from "../chat-loop.js";
import type { ChatSupport, IncomingChatMessage } from "../chat-types.js";
import { endpoint, readJson } from "../platform-http.js";

const xMessage = (body: { detail?: string; title?: string }) => body.detail ?? body.title;

/**
 * X has no public live chat, so Prism reads the replies to the post that announced the stream. That
 * post is per stream: whoever starts the reader (the comment feed) passes its id along with the
 * stream. Without it the X reader has nothing to read and says so.
 */
export interface XChatStream extends StreamInfo {
  /** The id of the post announcing this stream, e.g. 1851234567890123456 from x.com/<user>/status/<id>. */
  xPostId?: string;
}

interface Tweet {
  id: string;
  text: string;
  author_id?: string;
  created_at?: string;
}
interface SearchPage {
  data?: Tweet[];
  includes?: { users?: Array<{ id: string; name: string; username: string; profile_image_url?: string; verified?: boolean }> };
  meta?: { newest_id?: string; next_token?: string; result_count?: number };
}

export interface XChatOptions {
  apiUrl: string;
  /**
   * Between searches. Recent search allows 60 calls per 15 minutes per user on X's Basic tier (one
   * every 15 s), more on Pro; the default stays within Basic.
   */
  pollMs?: number;
  backoff?: BackoffPolicy;
}

/**
 * X replies: recent search on `conversation_id:<post>`, asking only for posts newer than the newest
 * one read (`since_id`, which survives a failed call, so nothing is missed across an outage), all
 * pages of one poll gathered and handed over oldest first.
 */
export function xChat(options: XChatOptions): ChatSupport {
  const pollMs = options.pollMs ?? 15_000;
  const postOf = (stream: StreamInfo) => (stream as XChatStream).xPostId;

  async function get<T>(api: AccountApi, what: string, path: string, query: Record<string, string>): Promise<{ body: T; res: Response }> {
    const res = await api.fetch(endpoint(options.apiUrl, path, query));
    if (res.status === 429) throw new ChatSlowDown("X's rate limit for recent search is reached", untilReset(res));
    return { body: await readJson<T>(res, "X", what, xMessage), res };
  }

  return {
    async read(api, stream, sink, signal) {
      const postId = postOf(stream);
      if (!postId) {
        sink.state("failed", "no announcement post is set for this stream, so there are no replies to read (X has no public live chat API)");
        return;
      }
      let sinceId: string | undefined;
      await runChatLoop(sink, signal, options.backoff ?? CHAT_BACKOFF, async () => {
        const found: Tweet[] = [];
        const users = new Map<string, NonNullable<NonNullable<SearchPage["includes"]>["users"]>[number]>();
        let newest: string | undefined;
        let nextToken: string | undefined;
        let res: Response;
        do {
          const page = await get<SearchPage>(api, "search the replies", "/2/tweets/search/recent", {
            query: `conversation_id:${postId}`,
            "tweet.fields": "author_id,created_at,conversation_id",
            expansions: "author_id",
            "user.fields": "name,username,profile_image_url,verified",
            max_results: "100",
            ...(sinceId && { since_id: sinceId }),
            ...(nextToken && { next_token: nextToken }),
          });
          res = page.res;
          newest ??= page.body.meta?.newest_id;
          found.push(...(page.body.data ?? []));
          for (const u of page.body.includes?.users ?? []) users.set(u.id, u);
          nextToken = page.body.meta?.next_token;
        } while (nextToken && !signal.aborted);
        // Only now, with every page in hand: a poll cut off halfway is asked again from the same point.
        if (newest) sinceId = newest;
        const replies = found
          .filter((t) => t.id !== postId)
          .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1))
          .map((t): IncomingChatMessage => {
            const u = t.author_id ? users.get(t.author_id) : undefined;
            return {
              platformMessageId: t.id,
              author: { id: t.author_id ?? "", name: u ? `@${u.username}` : (t.author_id ?? "?"), ...(u?.profile_image_url && { avatarUrl: u.profile_image_url }), badges: u?.verified ? ["verified"] : [] },
              text: t.text,
              sentAt: t.created_at ? new Date(t.created_at) : new Date(),
            };
          });
        if (replies.length) sink.messages(replies);
        return res.headers.get("x-rate-limit-remaining") === "0" ? Math.max(pollMs, untilReset(res) ?? pollMs) : pollMs;
      });
    },

    /** Replies to the announcement post (scope tweet.write). */
    async send(api, stream, text) {
      const postId = postOf(stream);
      if (!postId) throw new PlatformRefused("X: no announcement post is set for this stream, so there is nothing to reply to.");
      const res = await api.fetch(endpoint(options.apiUrl, "/2/tweets"), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ text, reply: { in_reply_to_tweet_id: postId } }),
      });
      await readJson(res, "X", "post the reply", xMessage);
    },
    // X cannot delete other people's posts or ban from a conversation through the public API
    // (hiding replies needs tweet.moderate.write and is not a delete), so both are absent.
  };
}

/** Milliseconds until x-rate-limit-reset (unix seconds), when X sent it. */
function untilReset(res: Response): number | undefined {
  const reset = Number(res.headers.get("x-rate-limit-reset"));
  return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - Date.now()) : undefined;
}
