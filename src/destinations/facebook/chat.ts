import type { BackoffPolicy } from "../../core/backoff.js";
import { PlatformRefused, type AccountApi, type StreamInfo } from "../account-types.js";
import { CHAT_BACKOFF, ChatSlowDown, ChatWaiting, runChatLoop } from "../chat-loop.js";
import type { ChatSupport, IncomingChatMessage } from "../chat-types.js";
import { graph, GraphRateLimited, type Page } from "./graph.js";

/** The live video a destination streams to, and the Page that owns it (chat is read and written as the Page). */
export interface LiveVideoRef {
  liveVideoId: string;
  page: Page;
}

interface Comment {
  id: string;
  message?: string;
  created_time: string;
  from?: { id: string; name?: string; picture?: { data?: { url?: string } } };
}

interface CommentList {
  data: Comment[];
  paging?: { cursors?: { before?: string; after?: string }; next?: string };
}

/** Comments one call asks for, and how many calls one poll may make walking back to what it read. */
const PAGE_SIZE = 50;
const MAX_PAGES_PER_POLL = 10;
/** Comment ids remembered to read each only once (older ones have long scrolled past). */
const SEEN_MAX = 5_000;
const FIELDS = "id,message,created_time,from{id,name,picture}";

export interface FacebookChatOptions {
  apiUrl: string;
  pollMs: number;
  /** The live video this go-live created for the destination (account.ts), if any yet. */
  liveVideoOf(destinationId: string): LiveVideoRef | undefined;
  /** How long a rate-limited reader waits at least: Facebook names no retry time. */
  slowDownMs?: number;
  backoff?: BackoffPolicy;
}

/**
 * The live video's comments, polled newest first (filter=stream: replies too) and walked back page by
 * page until a comment already read, so a burst between two polls arrives whole (up to
 * MAX_PAGES_PER_POLL × PAGE_SIZE comments), handed over oldest first. Posting is as the Page.
 * Facebook's streaming endpoint (live_comments, server-sent events) is not used: it needs an app
 * review Prism cannot show working, and polling reads the same comments.
 */
export function facebookChat(options: FacebookChatOptions): ChatSupport {
  const slowDownMs = options.slowDownMs ?? 60_000;

  const liveVideo = (stream: StreamInfo) => {
    const live = options.liveVideoOf(stream.destinationId);
    if (!live) throw new PlatformRefused("This destination is not live on Facebook yet, so its live video has no comments to write to.");
    return live;
  };

  async function poll(api: AccountApi, live: LiveVideoRef, seen: Set<string>): Promise<Comment[]> {
    const fresh: Comment[] = [];
    let after: string | undefined;
    for (let page = 0; page < MAX_PAGES_PER_POLL; page++) {
      const list = await graph<CommentList>(api, options.apiUrl, "list the live video's comments", `/${encodeURIComponent(live.liveVideoId)}/comments`, {
        page: live.page,
        query: { fields: FIELDS, filter: "stream", order: "reverse_chronological", limit: String(PAGE_SIZE), ...(after && { after }) },
      });
      const unread = list.data.filter((c) => !seen.has(c.id));
      fresh.push(...unread);
      after = list.paging?.cursors?.after;
      if (unread.length < list.data.length || !list.paging?.next || !after) break;
    }
    return fresh.reverse();
  }

  return {
    async read(api, stream, sink, signal) {
      let video: string | undefined;
      const seen = new Set<string>();
      await runChatLoop(sink, signal, options.backoff ?? CHAT_BACKOFF, async () => {
        const live = options.liveVideoOf(stream.destinationId);
        if (!live) throw new ChatWaiting("not live on Facebook yet", options.pollMs);
        if (live.liveVideoId !== video) {
          video = live.liveVideoId;
          seen.clear();
        }
        let comments: Comment[];
        try {
          comments = await poll(api, live, seen);
        } catch (err) {
          if (err instanceof GraphRateLimited) throw new ChatSlowDown(err.message, slowDownMs);
          throw err;
        }
        for (const c of comments) remember(seen, c.id);
        if (comments.length) sink.messages(comments.map((c) => toIncoming(c, live.page)));
        return { waitMs: options.pollMs, complete: true };
      });
    },

    async send(api, stream, text) {
      const live = liveVideo(stream);
      await graph(api, options.apiUrl, "post the comment", `/${encodeURIComponent(live.liveVideoId)}/comments`, { method: "POST", page: live.page, form: { message: text } });
    },

    async deleteMessage(api, stream, platformMessageId) {
      const live = liveVideo(stream);
      await graph(api, options.apiUrl, "delete the comment", `/${encodeURIComponent(platformMessageId)}`, { method: "DELETE", page: live.page });
    },
    // Blocking someone from a Page is not a live-video action Facebook's API offers per stream, so banAuthor is absent.
  };
}

function remember(seen: Set<string>, id: string) {
  seen.add(id);
  if (seen.size > SEEN_MAX) seen.delete(seen.values().next().value!);
}

function toIncoming(c: Comment, page: Page): IncomingChatMessage {
  const avatar = c.from?.picture?.data?.url;
  return {
    platformMessageId: c.id,
    // Facebook leaves `from` out for people who have not used the app, unless the Page token may read it.
    author: { id: c.from?.id ?? "unknown", name: c.from?.name || "Facebook user", ...(avatar && { avatarUrl: avatar }), badges: c.from?.id === page.id ? ["broadcaster"] : [] },
    text: c.message ?? "",
    sentAt: new Date(c.created_time),
  };
}
