import type { BackoffPolicy } from "../../core/backoff.js";
import type { AccountApi, StreamInfo } from "../account-types.js";
import { CHAT_BACKOFF, ChatEnded, ChatSlowDown, runChatLoop } from "../chat-loop.js";
import type { ChatSupport, IncomingChatMessage } from "../chat-types.js";
import { endpoint, readJson } from "../platform-http.js";

/** liveChatMessages.list's largest page. */
const MAX_RESULTS = 2000;

interface GoogleErrorBody {
  error?: { code?: number; message?: string; errors?: Array<{ reason?: string }> };
}
const googleMessage = (body: GoogleErrorBody) => [body.error?.message, body.error?.errors?.[0]?.reason && `(${body.error.errors[0].reason})`].filter(Boolean).join(" ") || undefined;

/** The fields of liveChatMessages.list Prism reads (@googleapis/youtube's Schema$LiveChatMessage). */
interface LiveChatMessage {
  id?: string | null;
  snippet?: {
    type?: string | null;
    publishedAt?: string | null;
    hasDisplayContent?: boolean | null;
    displayMessage?: string | null;
    textMessageDetails?: { messageText?: string | null } | null;
  } | null;
  authorDetails?: {
    channelId?: string | null;
    displayName?: string | null;
    profileImageUrl?: string | null;
    isChatOwner?: boolean | null;
    isChatModerator?: boolean | null;
    isChatSponsor?: boolean | null;
    isVerified?: boolean | null;
  } | null;
}
interface LiveChatPage {
  items?: LiveChatMessage[] | null;
  nextPageToken?: string | null;
  pollingIntervalMillis?: number | null;
}

export interface YouTubeChatOptions {
  apiUrl: string;
  /** The broadcast Prism's go-live created for a destination, if it still knows it. */
  broadcastOf?: (destinationId: string) => string | undefined;
  backoff?: BackoffPolicy;
  /** How long to wait after quotaExceeded: the daily quota comes back at midnight Pacific, not in seconds. */
  quotaWaitMs?: number;
  /** Never poll faster than this, whatever pollingIntervalMillis says (each call costs 5 quota units). */
  minPollMs?: number;
}

/** Moderation and system events carry no text to show; everything else with display content is shown. */
const HIDDEN_TYPES = new Set(["messageDeletedEvent", "userBannedEvent", "chatEndedEvent", "sponsorOnlyModeStartedEvent", "sponsorOnlyModeEndedEvent", "tombstone"]);

/**
 * YouTube live chat: liveChatMessages.list polled with the page token YouTube hands out (so a
 * retried or resumed poll continues where the last one stopped), waiting pollingIntervalMillis
 * between calls; quota and rate errors slow down, liveChatEnded ends the reader.
 */
export function youtubeChat(options: YouTubeChatOptions): ChatSupport {
  const chatIds = new Map<string, string>();
  const url = (path: string, query: Record<string, string>) => endpoint(options.apiUrl, `/youtube/v3${path}`, query);

  async function call<T>(api: AccountApi, what: string, path: string, query: Record<string, string>, init: { method?: string; body?: unknown } = {}): Promise<T> {
    const res = await api.fetch(url(path, query), {
      method: init.method ?? "GET",
      ...(init.body !== undefined && { headers: { "Content-Type": "application/json" }, body: JSON.stringify(init.body) }),
    });
    if (res.status === 204) return undefined as T;
    if (res.status === 403 || res.status === 429) {
      const body = (await res.clone().json().catch(() => ({}))) as GoogleErrorBody;
      const reason = body.error?.errors?.[0]?.reason;
      if (reason === "quotaExceeded") throw new ChatSlowDown("YouTube's daily API quota is used up", options.quotaWaitMs ?? 15 * 60_000);
      if (reason === "rateLimitExceeded" || res.status === 429) throw new ChatSlowDown("YouTube asks Prism to poll its chat less often");
      if (reason === "liveChatEnded") throw new ChatEnded("the YouTube live chat has ended");
    }
    return readJson<T>(res, "YouTube", what, googleMessage);
  }

  async function liveChatId(api: AccountApi, stream: StreamInfo): Promise<string> {
    const broadcastId = options.broadcastOf?.(stream.destinationId);
    // Keyed by broadcast too: the destination's next go-live has a new broadcast and a new chat.
    const key = `${stream.destinationId}:${broadcastId ?? "active"}`;
    const known = chatIds.get(key);
    if (known) return known;
    // Without the go-live's broadcast (Prism restarted), the channel's active broadcast is the stream's.
    const query: Record<string, string> = broadcastId ? { part: "snippet", id: broadcastId } : { part: "snippet", broadcastStatus: "active", broadcastType: "all" };
    const found = await call<{ items?: Array<{ snippet?: { liveChatId?: string | null } }> }>(api, "describe the broadcast", "/liveBroadcasts", query);
    const id = found.items?.find((b) => b.snippet?.liveChatId)?.snippet?.liveChatId;
    if (!id) throw new ChatSlowDown("the YouTube broadcast has no live chat yet");
    chatIds.set(key, id);
    return id;
  }

  return {
    async read(api, stream, sink, signal) {
      let pageToken: string | undefined;
      await runChatLoop(sink, signal, options.backoff ?? CHAT_BACKOFF, async () => {
        const chatId = await liveChatId(api, stream);
        const page = await call<LiveChatPage>(api, "list the live chat", "/liveChat/messages", {
          liveChatId: chatId,
          part: "id,snippet,authorDetails",
          maxResults: String(MAX_RESULTS),
          ...(pageToken && { pageToken }),
        });
        const messages = (page.items ?? []).flatMap(toIncoming);
        if (messages.length) sink.messages(messages);
        if (page.nextPageToken) pageToken = page.nextPageToken;
        // A full page may have left newer messages for the next poll: it vouches for nothing.
        return { waitMs: Math.max(page.pollingIntervalMillis ?? 5_000, options.minPollMs ?? 5_000), complete: (page.items?.length ?? 0) < MAX_RESULTS };
      });
    },

    async send(api, stream, text) {
      await call(api, "post to the live chat", "/liveChat/messages", { part: "snippet" }, {
        method: "POST",
        body: { snippet: { liveChatId: await liveChatId(api, stream), type: "textMessageEvent", textMessageDetails: { messageText: text.slice(0, 200) } } },
      });
    },

    async deleteMessage(api, _stream, platformMessageId) {
      await call(api, "delete the chat message", "/liveChat/messages", { id: platformMessageId }, { method: "DELETE" });
    },

    async banAuthor(api, stream, authorId) {
      await call(api, "ban the chat author", "/liveChat/bans", { part: "snippet" }, {
        method: "POST",
        body: { snippet: { liveChatId: await liveChatId(api, stream), type: "permanent", bannedUserDetails: { channelId: authorId } } },
      });
    },
  };
}

function toIncoming(item: LiveChatMessage): IncomingChatMessage[] {
  const s = item.snippet;
  const a = item.authorDetails;
  if (!item.id || !s || !a?.channelId || HIDDEN_TYPES.has(s.type ?? "")) return [];
  const text = s.textMessageDetails?.messageText ?? s.displayMessage ?? "";
  if (!text && !s.hasDisplayContent) return [];
  const badges = [a.isChatOwner && "owner", a.isChatModerator && "moderator", a.isChatSponsor && "member", a.isVerified && "verified"].filter((b): b is string => !!b);
  return [
    {
      platformMessageId: item.id,
      author: { id: a.channelId, name: a.displayName ?? a.channelId, ...(a.profileImageUrl && { avatarUrl: a.profileImageUrl }), badges },
      text: text || (s.displayMessage ?? ""),
      sentAt: s.publishedAt ? new Date(s.publishedAt) : new Date(),
    },
  ];
}
