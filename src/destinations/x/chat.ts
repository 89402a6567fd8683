import type { BackoffPolicy } from "../../core/backoff.js";
import type { AccountApi, StreamInfo } from "../account-types.js";
import { PlatformRefused } from "../account-types.js";
import { CHAT_BACKOFF, ChatSlowDown, ChatWaiting, runChatLoop } from "../chat-loop.js";
import type { ChatSupport, IncomingChatMessage } from "../chat-types.js";
import { endpoint, readJson } from "../platform-http.js";
import type { XChatSettings } from "./settings.js";
import { X_BROADCAST_CHAT_MAX, X_SEARCH_POLL_MS, xUsageCapMessage, xWeightedLength } from "./limits.js";

const xMessage = (body: { detail?: string; title?: string }) => body.detail ?? body.title;

/**
 * X has no public live chat, so Prism reads the replies to the post that announced the stream, or,
 * with X's Enterprise Livestream API, lets X push the broadcast's chat to its webhook (webhook.ts).
 * Which post or broadcast belongs to a stream is the destination's setting (`x`, read before every
 * poll so a post changed while live is followed); `xPostId` is a fixed post for callers without one.
 */
export interface XChatStream extends StreamInfo {
  /** The id of the post announcing this stream, e.g. 1851234567890123456 from x.com/<user>/status/<id>. */
  xPostId?: string;
  x?: XStreamChat;
}

/** An X destination's chat settings as they are now, and its go-live announcement. */
export interface XStreamChat {
  current(): XChatNow | Promise<XChatNow>;
  /** Prism already posted the announcement during this go-live (it posts once per go-live). */
  announcedThisGoLive(): boolean;
  /** The announcement Prism just posted: it becomes the post whose replies are read. */
  announced(postId: string): void | Promise<void>;
}

type XChatNow = { postId: string | null; announceText: string | null; broadcastId: string | null };

/** The destination during this go-live (Prism's generic `live`, or `x` given directly) as X's chat sees it. */
function liveChat(stream: StreamInfo): XStreamChat | undefined {
  const { x, live } = stream as XChatStream;
  if (x || !live) return x;
  return {
    current: async () => (await live.settings()) as XChatSettings,
    announcedThisGoLive: () => live.doneThisGoLive(),
    announced: async (postId) => {
      live.markDoneThisGoLive();
      await live.updateSettings({ postId });
    },
  };
}

const NO_POST = "no announcement post is set for this stream, so there are no replies to read (X has no public live chat API)";

interface Tweet {
  id: string;
  text: string;
  author_id?: string;
  created_at?: string;
}
interface SearchUser {
  id: string;
  name: string;
  username: string;
  profile_image_url?: string;
  verified?: boolean;
}
interface TweetV2PostResult {
  data: { id: string; text: string };
}
interface SearchPage {
  data?: Tweet[];
  includes?: { users?: SearchUser[] };
  meta?: { newest_id?: string; next_token?: string; result_count?: number };
}

export interface XChatOptions {
  apiUrl: string;
  /** Between searches (default X_SEARCH_POLL_MS, inside recent search's 300 calls per 15 minutes per user). */
  pollMs?: number;
  backoff?: BackoffPolicy;
}

/**
 * X replies: recent search on `conversation_id:<post>`, asking only for posts newer than the newest
 * one read (`since_id`, which survives a failed call, so nothing is missed across an outage), all
 * pages of one poll gathered and handed over oldest first.
 */
export function xChat(options: XChatOptions): ChatSupport {
  const pollMs = options.pollMs ?? X_SEARCH_POLL_MS;
  /** The stream's chat as it is set now: the live settings when the stream has them, else the fixed post. */
  const chatOf = async (stream: StreamInfo): Promise<XChatNow> => {
    const x = liveChat(stream);
    return x ? x.current() : { postId: (stream as XChatStream).xPostId ?? null, announceText: null, broadcastId: null };
  };

  async function get<T>(api: AccountApi, what: string, path: string, query: Record<string, string>): Promise<{ body: T; res: Response }> {
    const res = await api.fetch(endpoint(options.apiUrl, path, query));
    if (res.status === 429) {
      await refuseIfUsageCapped(res);
      throw new ChatSlowDown("X's rate limit for recent search is reached", untilReset(res));
    }
    return { body: await readJson<T>(res, "X", what, xMessage), res };
  }

  async function post<T>(api: AccountApi, what: string, path: string, body: unknown): Promise<T> {
    const res = await api.fetch(endpoint(options.apiUrl, path), { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    if (res.status === 429) await refuseIfUsageCapped(res.clone());
    return readJson<T>(res, "X", what, xMessage);
  }

  /** Every reply newer than `sinceId`, oldest first, all pages of one poll gathered. */
  async function replies(api: AccountApi, postId: string, sinceId: string | undefined, signal: AbortSignal) {
    const found: Tweet[] = [];
    const users = new Map<string, SearchUser>();
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
    const messages = found
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
    return { messages, newest, res };
  }

  return {
    async read(api, stream, sink, signal) {
      const live = liveChat(stream);
      if (!live && !(await chatOf(stream)).postId) {
        sink.state("failed", NO_POST);
        return;
      }
      let postId: string | null = null;
      let sinceId: string | undefined;
      await runChatLoop(sink, signal, options.backoff ?? CHAT_BACKOFF, async () => {
        let chat = await chatOf(stream);
        if (live && chat.announceText && !live.announcedThisGoLive()) {
          // Once per go-live; a failed attempt is retried by the loop with its backoff.
          const made = await post<TweetV2PostResult>(api, "post the stream's announcement", "/2/tweets", { text: chat.announceText });
          await live.announced(made.data.id);
          sink.log.info({ post: made.data.id }, "announced the stream on X");
          chat = await chatOf(stream);
        }
        // Enterprise: X pushes the broadcast's chat to the webhook; there is nothing to poll.
        if (chat.broadcastId) return { waitMs: pollMs, complete: "nothing-to-read" as const };
        // Waits for the streamer to set one (PATCH while live): a local read, so it can look often.
        if (!chat.postId) throw new ChatWaiting(NO_POST, Math.min(pollMs, 2_000));
        if (chat.postId !== postId) {
          // Another conversation: its replies are read from its start (repeats are dropped by the merger).
          postId = chat.postId;
          sinceId = undefined;
        }
        const { messages, newest, res } = await replies(api, postId, sinceId, signal);
        // Only now, with every page in hand: a poll cut off halfway is asked again from the same point.
        if (newest) sinceId = newest;
        if (messages.length) sink.messages(messages);
        return res.headers.get("x-rate-limit-remaining") === "0" ? Math.max(pollMs, untilReset(res) ?? pollMs) : pollMs;
      });
    },

    /**
     * Enterprise: a chat message in the broadcast (POST /2/broadcasts/:id/chat, 1–140 characters);
     * otherwise a reply to the announcement post (scope tweet.write).
     */
    async send(api, stream, text) {
      const { postId, broadcastId } = await chatOf(stream);
      if (broadcastId) {
        const length = xWeightedLength(text);
        if (length > X_BROADCAST_CHAT_MAX) {
          throw new PlatformRefused(`X: a broadcast chat message is at most ${X_BROADCAST_CHAT_MAX} characters as X counts them (CJK characters and emoji count 2, links 23); this one counts ${length}.`);
        }
        await post(api, "send the chat message", `/2/broadcasts/${encodeURIComponent(broadcastId)}/chat`, { text });
        return;
      }
      if (!postId) throw new PlatformRefused("X: no announcement post is set for this stream, so there is nothing to reply to.");
      await post(api, "post the reply", "/2/tweets", { text, reply: { in_reply_to_tweet_id: postId } });
    },
    // X cannot delete other people's posts or ban from a conversation through the public API
    // (hiding replies needs tweet.moderate.write and is not a delete), so both are absent.
  };
}

/** A 429 that is X's monthly usage cap, not its rate limit: refused outright, with what it means. */
async function refuseIfUsageCapped(res: Response): Promise<void> {
  const body: unknown = await res.json().catch(() => undefined);
  const capped = xUsageCapMessage(body);
  if (capped) throw new PlatformRefused(capped);
}

/** Milliseconds until x-rate-limit-reset (unix seconds), when X sent it. */
function untilReset(res: Response): number | undefined {
  const reset = Number(res.headers.get("x-rate-limit-reset"));
  return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - Date.now()) : undefined;
}
