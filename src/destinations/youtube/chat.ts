import type { BackoffPolicy } from "../../core/backoff.js";
import { PlatformRefused, PlatformUnavailable, type AccountApi, type StreamInfo } from "../account-types.js";
import { CHAT_BACKOFF, ChatEnded, ChatSlowDown, ChatWaiting, runChatLoop, type ChatStep } from "../chat-loop.js";
import type { ChatSupport, IncomingChatMessage } from "../chat-types.js";
import type { CommentAmount, CommentKind } from "../../core/chat-comment.js";
import { endpoint, readJson } from "../platform-http.js";
import { untilQuotaReset, type QuotaLedger, type QuotaMethod } from "./quota.js";
import { grpcStatus, restTypeName, streamListConnection, type ServiceError, type StreamListConnection, type StreamListPage } from "./stream-list.js";

/** liveChatMessages.list's largest page. */
const MAX_RESULTS = 2000;
/** How often "no such chat" is taken for a chat not opened yet (it opens just after go-live) before it is a failure. */
const CHAT_NOT_FOUND_RETRIES = 5;
/** How long a reader whose chat is turned off waits before it looks again (the streamer may turn it on). */
const CHAT_DISABLED_RETRY_MS = 60_000;
/** What chatError says while the chat is not open yet (counted towards CHAT_NOT_FOUND_RETRIES). */
const NOT_OPEN_YET = "the YouTube live chat is not open yet";

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
    /** Amounts in micros of the currency, as a string (uint64 in the API). */
    superChatDetails?: { amountMicros?: string | null; currency?: string | null; userComment?: string | null } | null;
    superStickerDetails?: { amountMicros?: string | null; currency?: string | null; superStickerMetadata?: { altText?: string | null } | null } | null;
    memberMilestoneChatDetails?: { userComment?: string | null } | null;
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
  /** Where liveChatMessages.streamList is served (gRPC); undefined: the chat is polled with liveChatMessages.list. */
  grpcUrl?: string;
  /** The broadcast Prism's go-live created for a destination, if it still knows it. */
  broadcastOf?: (destinationId: string) => string | undefined;
  backoff?: BackoffPolicy;
  /** How long to wait after quotaExceeded; default: until midnight Pacific, when YouTube gives the daily quota back. */
  quotaWaitMs?: number;
  /** Never poll faster than this, whatever pollingIntervalMillis says (each call costs 5 quota units). */
  minPollMs?: number;
  /** How long a reader whose chat is turned off waits before it looks again (default a minute). */
  chatDisabledRetryMs?: number;
  /** Counts the units each call spends (shared with the broadcasts' calls). */
  quota?: QuotaLedger;
}

/**
 * What a refused chat call means to the reader, by YouTube's error reason: each ends in a state the
 * streamer can read, and only what retrying cannot fix stops the reader.
 */
function chatError(reason: string | undefined, said: string, options: YouTubeChatOptions, notFoundSoFar: number): Error | undefined {
  switch (reason) {
    case "quotaExceeded": {
      const waitMs = options.quotaWaitMs ?? untilQuotaReset(new Date());
      const hours = Math.floor(waitMs / 3_600_000);
      const minutes = Math.ceil((waitMs % 3_600_000) / 60_000);
      return new ChatSlowDown(`YouTube's daily API quota is used up; chat resumes when it resets at midnight Pacific time (in ${hours} h ${minutes} min)`, waitMs);
    }
    case "rateLimitExceeded":
      return new ChatSlowDown("YouTube asks Prism to read its chat less often");
    case "liveChatEnded":
      return new ChatEnded("the YouTube live chat has ended");
    case "liveChatDisabled":
      return new ChatWaiting("live chat is turned off for this YouTube broadcast: turn it on in YouTube Studio and Prism will pick it up", options.chatDisabledRetryMs ?? CHAT_DISABLED_RETRY_MS);
    case "forbidden":
      return new PlatformRefused(`YouTube does not let this account read the broadcast's live chat (${said}): check the channel's chat settings, or link the channel's owner account`);
    case "liveChatNotFound":
      if (notFoundSoFar < CHAT_NOT_FOUND_RETRIES) return new ChatSlowDown(NOT_OPEN_YET);
      return new PlatformRefused("YouTube has no live chat for this broadcast (liveChatNotFound): the broadcast may have been deleted or its chat turned off");
    default:
      return undefined;
  }
}

/** gRPC status codes with no reason attached, as the chat reasons they stand for. */
const GRPC_REASONS: Partial<Record<number, string>> = {
  [grpcStatus.NOT_FOUND]: "liveChatNotFound",
  [grpcStatus.PERMISSION_DENIED]: "forbidden",
  [grpcStatus.RESOURCE_EXHAUSTED]: "quotaExceeded",
};
const KNOWN_REASONS = ["quotaExceeded", "rateLimitExceeded", "liveChatEnded", "liveChatDisabled", "liveChatNotFound", "forbidden"];

/** A failed stream's reason: YouTube's own where the status details carry one, else the status code's. */
const grpcReason = (err: ServiceError) => KNOWN_REASONS.find((r) => err.details?.includes(r)) ?? GRPC_REASONS[err.code];

/** Moderation and system events carry no text to show; everything else with display content is shown. */
const HIDDEN_TYPES = new Set(["messageDeletedEvent", "userBannedEvent", "chatEndedEvent", "sponsorOnlyModeStartedEvent", "sponsorOnlyModeEndedEvent", "tombstone"]);

/**
 * YouTube live chat. Read over liveChatMessages.streamList (gRPC, server-streaming): YouTube pushes
 * pages as messages come and ends each stream after a while, and the reader reopens it with the last
 * page token, so nothing is missed or read twice. Where the stream is not served (UNIMPLEMENTED,
 * UNAVAILABLE before any page, no gRPC endpoint configured), liveChatMessages.list is polled with
 * the page token YouTube hands out, waiting pollingIntervalMillis between calls. Either way quota
 * and rate errors slow down, and every refusal ends in a reader state that says why (chatError).
 */
export function youtubeChat(options: YouTubeChatOptions): ChatSupport & { close(): void } {
  const chatIds = new Map<string, string>();
  const url = (path: string, query: Record<string, string>) => endpoint(options.apiUrl, `/youtube/v3${path}`, query);
  const grpc: StreamListConnection | undefined = options.grpcUrl ? streamListConnection(options.grpcUrl) : undefined;

  async function call<T>(api: AccountApi, method: QuotaMethod, what: string, path: string, query: Record<string, string>, init: { method?: string; body?: unknown } = {}, notFoundSoFar = 0): Promise<T> {
    options.quota?.spend(api.account.id, method);
    const res = await api.fetch(url(path, query), {
      method: init.method ?? "GET",
      ...(init.body !== undefined && { headers: { "Content-Type": "application/json" }, body: JSON.stringify(init.body) }),
    });
    if (res.status === 204) return undefined as T;
    if (res.status >= 400 && res.status < 500) {
      const body = (await res.clone().json().catch(() => ({}))) as GoogleErrorBody;
      const mapped = chatError(body.error?.errors?.[0]?.reason, googleMessage(body) ?? `HTTP ${res.status}`, options, notFoundSoFar);
      if (mapped) throw mapped;
      if (res.status === 429) throw new ChatSlowDown("YouTube asks Prism to read its chat less often");
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
    const found = await call<{ items?: Array<{ snippet?: { liveChatId?: string | null } }> }>(api, "liveBroadcasts.list", "describe the broadcast", "/liveBroadcasts", query);
    const id = found.items?.find((b) => b.snippet?.liveChatId)?.snippet?.liveChatId;
    if (!id) throw new ChatSlowDown("the YouTube broadcast has no live chat yet");
    chatIds.set(key, id);
    return id;
  }

  return {
    async read(api, stream, sink, signal) {
      let pageToken: string | undefined;
      let notFound = 0;
      // Streaming needs the account's raw token (gRPC metadata) and a served endpoint.
      let streaming = !!grpc && !!api.accessToken;
      const deliver = (page: LiveChatPage | StreamListPage) => {
        const messages = (page.items ?? []).flatMap(toIncoming);
        if (messages.length) sink.messages(messages);
        if (page.nextPageToken) pageToken = page.nextPageToken;
      };

      const streamStep = async (chatId: string): Promise<ChatStep> => {
        let pages = 0;
        let refreshed = false;
        for (;;) {
          options.quota?.spend(api.account.id, "liveChatMessages.streamList");
          try {
            const token = await api.accessToken!(refreshed);
            const openedAt = Date.now();
            await grpc!.open(token, { liveChatId: chatId, part: ["id", "snippet", "authorDetails"], ...(pageToken && { pageToken }) }, (page) => {
              for (const item of page.items ?? []) if (item.snippet?.type) item.snippet.type = restTypeName(item.snippet.type);
              deliver(page);
              if (pages++ === 0) sink.state("live");
              // A pushed page is everything YouTube had up to now.
              sink.caughtUp(new Date());
            }, signal);
            notFound = 0;
            // YouTube ends each stream after about 10 s: reopen at once from the last token, unless
            // it ended at once (no sense spending 5 units a call in a tight loop).
            return { waitMs: Date.now() - openedAt < 1_000 ? (options.minPollMs ?? 5_000) : 0, complete: false };
          } catch (err) {
            const failure = err as ServiceError;
            if (failure.code === grpcStatus.UNAUTHENTICATED && !refreshed) {
              refreshed = true;
              continue;
            }
            if (failure.code === grpcStatus.UNIMPLEMENTED || (failure.code === grpcStatus.UNAVAILABLE && pages === 0)) {
              streaming = false;
              sink.log.warn({ reason: failure.message }, "YouTube's chat stream is not available; polling liveChatMessages.list instead");
              return { waitMs: 0, complete: false };
            }
            const reason = grpcReason(failure);
            const mapped = chatError(reason, failure.details || failure.message, options, notFound);
            if (reason === "liveChatNotFound") notFound++;
            if (mapped) throw mapped;
            if (failure.code === grpcStatus.UNAUTHENTICATED) throw new PlatformRefused("YouTube refused the account's token for the chat stream: reconnect the YouTube account");
            throw new PlatformUnavailable(`YouTube's chat stream failed (${failure.details || failure.message}); Prism will reconnect.`);
          }
        }
      };

      const pollStep = async (chatId: string): Promise<ChatStep> => {
        let page: LiveChatPage;
        try {
          page = await call<LiveChatPage>(
            api,
            "liveChatMessages.list",
            "list the live chat",
            "/liveChat/messages",
            { liveChatId: chatId, part: "id,snippet,authorDetails", maxResults: String(MAX_RESULTS), ...(pageToken && { pageToken }) },
            {},
            notFound,
          );
        } catch (err) {
          if ((err as Error).message === NOT_OPEN_YET) notFound++;
          throw err;
        }
        notFound = 0;
        deliver(page);
        // A full page may have left newer messages for the next poll: it vouches for nothing.
        return { waitMs: Math.max(page.pollingIntervalMillis ?? 5_000, options.minPollMs ?? 5_000), complete: (page.items?.length ?? 0) < MAX_RESULTS };
      };

      await runChatLoop(sink, signal, options.backoff ?? CHAT_BACKOFF, async () => {
        const chatId = await liveChatId(api, stream);
        return streaming ? streamStep(chatId) : pollStep(chatId);
      });
    },

    async send(api, stream, text) {
      await call(api, "liveChatMessages.insert", "post to the live chat", "/liveChat/messages", { part: "snippet" }, {
        method: "POST",
        body: { snippet: { liveChatId: await liveChatId(api, stream), type: "textMessageEvent", textMessageDetails: { messageText: text.slice(0, 200) } } },
      });
    },

    async deleteMessage(api, _stream, platformMessageId) {
      await call(api, "liveChatMessages.delete", "delete the chat message", "/liveChat/messages", { id: platformMessageId }, { method: "DELETE" });
    },

    /** Closes the gRPC channel (shutdown); readers still running reconnect on a new one. */
    close() {
      grpc?.close();
    },

    // YouTube's API has no chat-mode settings (slow, members-only...): no `modes`. Members are badged, so Prism can hold to members-only itself.
    isSupporter: (badges) => badges.some((b) => b === "member" || b === "owner" || b === "moderator"),

    async banAuthor(api, stream, authorId) {
      await call(api, "liveChatBans.insert", "ban the chat author", "/liveChat/bans", { part: "snippet" }, {
        method: "POST",
        body: { snippet: { liveChatId: await liveChatId(api, stream), type: "permanent", bannedUserDetails: { channelId: authorId } } },
      });
    },
  };
}

/**
 * The feed kind of each engagement event in liveChatMessages. A gift purchase ("gifted 5
 * memberships") is the gift; each member it made arrives as giftMembershipReceivedEvent, a new
 * membership like any other.
 */
const KINDS: Record<string, CommentKind> = {
  superChatEvent: "paid",
  superStickerEvent: "paid",
  newSponsorEvent: "membership",
  memberMilestoneChatEvent: "membership",
  giftMembershipReceivedEvent: "membership",
  membershipGiftingEvent: "gift",
};

/** A Super Chat's or Super Sticker's amount: micros of the currency (a uint64, as a string) in whole units. */
function amountOf(details: { amountMicros?: string | null; currency?: string | null } | null | undefined): CommentAmount | undefined {
  const micros = Number(details?.amountMicros);
  if (!details?.currency || !Number.isFinite(micros) || micros <= 0) return undefined;
  return { value: micros / 1_000_000, currency: details.currency };
}

function toIncoming(item: LiveChatMessage): IncomingChatMessage[] {
  const s = item.snippet;
  const a = item.authorDetails;
  if (!item.id || !s || !a?.channelId || HIDDEN_TYPES.has(s.type ?? "")) return [];
  const kind = KINDS[s.type ?? ""];
  const amount = amountOf(s.superChatDetails ?? s.superStickerDetails);
  // The viewer's own words where the event carries them; otherwise YouTube's line for it ("… gifted 5 memberships").
  const text = s.textMessageDetails?.messageText ?? s.superChatDetails?.userComment ?? s.memberMilestoneChatDetails?.userComment ?? s.displayMessage ?? "";
  if (!text && !s.hasDisplayContent && !kind) return [];
  const badges = [a.isChatOwner && "owner", a.isChatModerator && "moderator", a.isChatSponsor && "member", a.isVerified && "verified"].filter((b): b is string => !!b);
  return [
    {
      platformMessageId: item.id,
      author: { id: a.channelId, name: a.displayName ?? a.channelId, ...(a.profileImageUrl && { avatarUrl: a.profileImageUrl }), badges },
      text: text || (s.displayMessage ?? ""),
      sentAt: s.publishedAt ? new Date(s.publishedAt) : new Date(),
      ...(kind && { kind }),
      ...(amount && { amount }),
    },
  ];
}
