import twitterText from "twitter-text";
import type { TweetV2, TweetV2PostTweetResult, Tweetv2SearchResult, UserV2 } from "twitter-api-v2";
import type { FakeAnswer, FakeRequest } from "./http.js";
import type { FakeUser } from "./oauth-server.js";

const problem = (status: number, title: string, detail: string, headers?: Record<string, string>): FakeAnswer => ({
  status,
  body: { title, type: "about:blank", status, detail },
  ...(headers && { headers }),
});

/** X's answer once the app's monthly usage is spent (HTTP 429), as reported in xdevplatform/xdk#25. */
const USAGE_CAPPED = {
  account_id: "1700000000000000000",
  product_name: "standard-basic",
  title: "UsageCapExceeded",
  period: "Monthly",
  scope: "Product",
  detail: "Usage cap exceeded: Monthly product cap",
  type: "https://api.twitter.com/2/problems/usage-capped",
};

/**
 * A chat message sent to an Enterprise broadcast. twitter-api-v2 has no Livestream API types, so
 * this follows X's reference for POST /2/broadcasts/:id/chat (text 1–140, answer `{ data: { timestamp } }`).
 */
export interface BroadcastChatSent {
  broadcastId: string;
  userId: string;
  text: string;
  timestamp: string;
}

/**
 * X's recent search over a conversation (`query=conversation_id:<id>`, `since_id`, `max_results`
 * 10–100, newest first, `next_token` to page back, `expansions=author_id` into includes.users) and
 * POST /2/tweets for replies. Rate limited per window (X: 300 per 15 minutes per user) with the
 * x-rate-limit-* headers; answers are twitter-api-v2's types. Once the app's monthly usage is spent
 * (`usageCapped`) every call answers 429 with X's usage-capped problem while the rate-limit headers
 * still show room, as X does (xdevplatform/xdk#25).
 */
/** An Enterprise Livestream API broadcast, as far as Prism reads it (twitter-api-v2 has no type for it). */
export interface XBroadcast {
  id: string;
  state: string;
  total_watching?: number;
  total_watched?: number;
}

export class XChatFake {
  readonly tweets: TweetV2[] = [];
  readonly users = new Map<string, UserV2>();
  readonly faults: Array<"down"> = [];
  rateLimit = { limit: 300, windowMs: 15 * 60_000 };
  /** The app's monthly post cap is used up. */
  usageCapped = false;
  /** Enterprise broadcasts (GET /2/broadcasts/:id): how many watch now, and in all. */
  readonly broadcasts = new Map<string, { totalWatching: number; totalWatched: number }>();
  /** Enterprise: chat messages sent with POST /2/broadcasts/:id/chat. */
  readonly broadcastChat: BroadcastChatSent[] = [];
  readonly searchCalls: Array<{ at: number; sinceId: string | null; nextToken: string | null; status: number; resetAt: number }> = [];
  private nextId = 1_861_000_000_000_000_000n;
  private window = { start: 0, used: 0 };

  /** A post: a new conversation when `inReplyTo` is absent, else a reply in that post's conversation. */
  post(author: UserV2, text: string, inReplyTo?: string): TweetV2 {
    this.users.set(author.id, author);
    const id = String((this.nextId += 1_000_000n));
    const parent = inReplyTo ? this.tweets.find((t) => t.id === inReplyTo) : undefined;
    const tweet: TweetV2 = {
      id,
      text,
      author_id: author.id,
      created_at: new Date().toISOString(),
      conversation_id: parent?.conversation_id ?? id,
      edit_history_tweet_ids: [id],
      ...(parent && { in_reply_to_user_id: parent.author_id! }),
    };
    this.tweets.push(tweet);
    return tweet;
  }

  /**
   * The Livestream API's "Get Broadcast by ID" (docs.x.com/livestream-api/broadcasts/get-broadcast-by-id):
   * `{ data: Broadcast }`, with the fields `broadcast.fields` asks for (viewer counts among them).
   */
  private broadcast(id: string, q: URLSearchParams): FakeAnswer {
    const found = this.broadcasts.get(id);
    if (!found) return problem(404, "Not Found Error", `Could not find broadcast with id: [${id}].`);
    const fields = (q.get("broadcast.fields") ?? "").split(",");
    const body: { data: XBroadcast } = {
      data: {
        id,
        state: "RUNNING",
        ...(fields.includes("total_watching") && { total_watching: found.totalWatching }),
        ...(fields.includes("total_watched") && { total_watched: found.totalWatched }),
      },
    };
    return { status: 200, body };
  }

  handle(req: FakeRequest, user: FakeUser, scopes: string[]): FakeAnswer | undefined {
    const path = `${req.method} ${req.url.pathname}`;
    if (this.usageCapped && (path === "GET /2/tweets/search/recent" || path === "POST /2/tweets" || /^POST \/2\/broadcasts\//.test(path))) {
      const limits = this.spend();
      const q = req.url.searchParams;
      if (req.method === "GET") this.searchCalls.push({ at: Date.now(), sinceId: q.get("since_id"), nextToken: q.get("next_token"), status: 429, resetAt: Number(limits.headers["x-rate-limit-reset"]) * 1000 });
      return { status: 429, body: USAGE_CAPPED, headers: limits.headers };
    }
    if (path === "GET /2/tweets/search/recent") {
      const limits = this.spend();
      const answer = limits.ok ? this.search(req.url.searchParams) : problem(429, "Too Many Requests", "Too Many Requests");
      const q = req.url.searchParams;
      this.searchCalls.push({ at: Date.now(), sinceId: q.get("since_id"), nextToken: q.get("next_token"), status: answer.status, resetAt: Number(limits.headers["x-rate-limit-reset"]) * 1000 });
      return { ...answer, headers: { ...answer.headers, ...limits.headers } };
    }
    if (path === "POST /2/tweets") {
      if (!scopes.includes("tweet.write")) return problem(403, "Forbidden", "You are not permitted to perform this action.");
      const input = req.json<{ text?: string; reply?: { in_reply_to_tweet_id?: string } }>();
      if (!input.text) return problem(400, "Invalid Request", "One or more parameters to your request was invalid.");
      const replyTo = input.reply?.in_reply_to_tweet_id;
      if (replyTo && !this.tweets.some((t) => t.id === replyTo)) return problem(400, "Invalid Request", "Your Tweet cannot be a reply to a Tweet that does not exist.");
      const tweet = this.post({ id: user.id, name: user.displayName, username: user.login }, input.text, replyTo);
      const body: TweetV2PostTweetResult = { data: { id: tweet.id, text: tweet.text } };
      return { status: 201, body };
    }
    const lookedUp = req.method === "GET" ? /^\/2\/broadcasts\/([a-zA-Z0-9]{1,13})$/.exec(req.url.pathname)?.[1] : undefined;
    if (lookedUp) return this.broadcast(lookedUp, req.url.searchParams);
    const broadcast = req.method === "POST" ? /^\/2\/broadcasts\/([a-zA-Z0-9]{1,13})\/chat$/.exec(req.url.pathname)?.[1] : undefined;
    if (broadcast) {
      const input = req.json<{ text?: string; reply_to?: string }>();
      // X counts like a post: CJK and emoji weigh 2, links 23 (twitter-text).
      if (!input.text || twitterText.parseTweet(input.text).weightedLength > 140) return problem(400, "Invalid Request", "One or more parameters to your request was invalid.");
      // X answers with the server timestamp in nanoseconds, which is also the message's id.
      const timestamp = `${BigInt(Date.now()) * 1_000_000n + BigInt(this.broadcastChat.length)}`;
      this.broadcastChat.push({ broadcastId: broadcast, userId: user.id, text: input.text, timestamp });
      return { status: 200, body: { data: { timestamp } } };
    }
    return undefined;
  }

  private search(q: URLSearchParams): FakeAnswer {
    if (this.faults.shift() === "down") return problem(503, "Service Unavailable", "Service Unavailable");
    const conversation = /^conversation_id:(\d+)$/.exec(q.get("query") ?? "")?.[1];
    if (!conversation) return problem(400, "Invalid Request", "One or more parameters to your request was invalid.");
    const max = Number(q.get("max_results") ?? 10);
    if (!(max >= 10 && max <= 100)) return problem(400, "Invalid Request", "The `max_results` query parameter value is not between 10 and 100");
    const since = q.get("since_id");
    const matching = this.tweets
      .filter((t) => t.conversation_id === conversation && (!since || BigInt(t.id) > BigInt(since)))
      .reverse();
    const from = q.get("next_token") ? Number(Buffer.from(q.get("next_token")!, "base64url").toString()) : 0;
    const data = matching.slice(from, from + max);
    const more = from + max < matching.length;
    const wantsAuthors = q.get("expansions")?.split(",").includes("author_id");
    const authors = [...new Set(data.map((t) => t.author_id!))].map((id) => this.users.get(id)!);
    const body: Tweetv2SearchResult = {
      data,
      ...(wantsAuthors && data.length && { includes: { users: authors } }),
      meta: {
        result_count: data.length,
        ...(data.length && { newest_id: data[0]!.id, oldest_id: data.at(-1)!.id }),
        ...(more && { next_token: Buffer.from(String(from + max)).toString("base64url") }),
      } as Tweetv2SearchResult["meta"],
    };
    return { status: 200, body };
  }

  private spend(): { ok: boolean; headers: Record<string, string> } {
    const now = Date.now();
    if (now - this.window.start >= this.rateLimit.windowMs) this.window = { start: now, used: 0 };
    const ok = this.window.used < this.rateLimit.limit;
    if (ok) this.window.used++;
    return {
      ok,
      headers: {
        "x-rate-limit-limit": String(this.rateLimit.limit),
        "x-rate-limit-remaining": String(this.rateLimit.limit - this.window.used),
        "x-rate-limit-reset": String(Math.ceil((this.window.start + this.rateLimit.windowMs) / 1000)),
      },
    };
  }
}
