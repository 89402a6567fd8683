import { randomBytes } from "node:crypto";
import type { youtube_v3 } from "@googleapis/youtube";
import type { FakeAnswer, FakeRequest } from "./http.js";
import type { FakeUser } from "./oauth-server.js";

type LiveChatMessage = youtube_v3.Schema$LiveChatMessage;
type ListResponse = youtube_v3.Schema$LiveChatMessageListResponse;

export type YouTubeChatFault = "quotaExceeded" | "rateLimitExceeded" | "backendError" | "liveChatDisabled" | "forbidden" | "liveChatNotFound";

const googleError = (code: number, reason: string, message: string): FakeAnswer => ({
  status: code,
  body: { error: { code, message, errors: [{ message, domain: "youtube.liveChat", reason }] } },
});

/**
 * YouTube's live chat endpoints (liveChatMessages.list/insert/delete, liveChatBans.insert) over the
 * chats of the fake's broadcasts. Page tokens are positions in a chat's history, so a reader that
 * resumes with its last token gets exactly what it has not seen; faults are queued per list call.
 */
export class YouTubeChatFake {
  readonly chats = new Map<string, LiveChatMessage[]>();
  readonly ended = new Set<string>();
  readonly deleted: string[] = [];
  readonly bans: youtube_v3.Schema$LiveChatBan[] = [];
  /** Every list call: when, with which page token, and what it answered. */
  readonly listCalls: Array<{ at: number; pageToken: string | null; status: number }> = [];
  readonly faults: YouTubeChatFault[] = [];
  pollingIntervalMillis = 50;
  /** Told of every message written, so a stream can push it (youtube-chat-stream.ts). */
  readonly written = new Set<(liveChatId: string) => void>();

  /**
   * A viewer's engagement event in a chat (superChatEvent, superStickerEvent, newSponsorEvent,
   * memberMilestoneChatEvent, membershipGiftingEvent, giftMembershipReceivedEvent): the snippet's
   * type, its details object and the line YouTube displays for it.
   */
  engage(liveChatId: string, author: { channelId: string; displayName: string }, event: Pick<youtube_v3.Schema$LiveChatMessageSnippet, "type" | "displayMessage"> & Partial<youtube_v3.Schema$LiveChatMessageSnippet>): LiveChatMessage {
    const message = this.message(liveChatId, author, event.displayMessage ?? "");
    const { textMessageDetails: _none, ...snippet } = message.snippet!;
    message.snippet = { ...snippet, ...event, hasDisplayContent: true };
    if (event.type === "newSponsorEvent" || event.type === "memberMilestoneChatEvent") message.authorDetails!.isChatSponsor = true;
    return this.add(liveChatId, message);
  }

  /** A Super Chat of `amount` (in the currency's whole units) with the viewer's comment, as YouTube sends it. */
  superChat(liveChatId: string, author: { channelId: string; displayName: string }, amount: number, currency: string, comment: string): LiveChatMessage {
    const display = `${new Intl.NumberFormat("en-US", { style: "currency", currency }).format(amount)}`;
    const details: youtube_v3.Schema$LiveChatSuperChatDetails = { amountMicros: String(Math.round(amount * 1_000_000)), currency, amountDisplayString: display, userComment: comment, tier: 2 };
    return this.engage(liveChatId, author, { type: "superChatEvent", displayMessage: `${display} from ${author.displayName}: "${comment}"`, superChatDetails: details });
  }

  /** A viewer writes in a chat. */
  post(liveChatId: string, author: { channelId: string; displayName: string; moderator?: boolean; sponsor?: boolean }, text: string): LiveChatMessage {
    return this.add(liveChatId, this.message(liveChatId, author, text));
  }

  /** A message in the chat's history, and a push to the streams reading it. */
  private add(liveChatId: string, message: LiveChatMessage): LiveChatMessage {
    this.chat(liveChatId).push(message);
    for (const tell of this.written) tell(liveChatId);
    return message;
  }

  private message(liveChatId: string, author: { channelId: string; displayName: string; moderator?: boolean; sponsor?: boolean }, text: string): LiveChatMessage {
    return {
      kind: "youtube#liveChatMessage",
      etag: randomBytes(6).toString("hex"),
      id: `LCC.${randomBytes(12).toString("base64url")}`,
      snippet: {
        type: "textMessageEvent",
        liveChatId,
        authorChannelId: author.channelId,
        publishedAt: new Date().toISOString(),
        hasDisplayContent: true,
        displayMessage: text,
        textMessageDetails: { messageText: text },
      },
      authorDetails: {
        channelId: author.channelId,
        channelUrl: `http://www.youtube.com/channel/${author.channelId}`,
        displayName: author.displayName,
        profileImageUrl: `https://yt3.ggpht.com/${author.channelId}`,
        isVerified: false,
        isChatOwner: false,
        isChatSponsor: author.sponsor ?? false,
        isChatModerator: author.moderator ?? false,
      },
    };
  }

  private chat(liveChatId: string): LiveChatMessage[] {
    let chat = this.chats.get(liveChatId);
    if (!chat) this.chats.set(liveChatId, (chat = []));
    return chat;
  }

  /** Answers the chat routes; undefined for any other route. */
  handle(req: FakeRequest, owner: FakeUser): FakeAnswer | undefined {
    const q = req.url.searchParams;
    switch (`${req.method} ${req.url.pathname}`) {
      case "GET /youtube/v3/liveChat/messages": {
        const answer = this.list(q);
        this.listCalls.push({ at: Date.now(), pageToken: q.get("pageToken"), status: answer.status });
        return answer;
      }
      case "POST /youtube/v3/liveChat/messages": {
        const input = req.json<LiveChatMessage>();
        const chatId = input.snippet?.liveChatId ?? "";
        const text = input.snippet?.textMessageDetails?.messageText ?? "";
        if (!this.chats.has(chatId)) return googleError(404, "liveChatNotFound", "The live chat that you are trying to insert a message to cannot be found.");
        if (this.ended.has(chatId)) return googleError(403, "liveChatEnded", "The specified live chat is no longer live.");
        if (!text || text.length > 200) return googleError(400, "messageTextInvalid", "The message text is invalid.");
        const message = this.post(chatId, { channelId: owner.id, displayName: owner.displayName }, text);
        message.authorDetails!.isChatOwner = true;
        return { status: 200, body: message };
      }
      case "DELETE /youtube/v3/liveChat/messages": {
        const id = q.get("id") ?? "";
        for (const chat of this.chats.values()) {
          const at = chat.findIndex((m) => m.id === id);
          if (at >= 0) {
            chat.splice(at, 1, { ...chat[at], snippet: { ...chat[at]!.snippet, type: "tombstone", hasDisplayContent: false } });
            this.deleted.push(id);
            return { status: 204 };
          }
        }
        return googleError(404, "liveChatMessageNotFound", "The live chat message that you are trying to delete cannot be found.");
      }
      case "POST /youtube/v3/liveChat/bans": {
        const ban = req.json<youtube_v3.Schema$LiveChatBan>();
        if (!this.chats.has(ban.snippet?.liveChatId ?? "")) return googleError(404, "liveChatNotFound", "The live chat cannot be found.");
        const saved = { ...ban, kind: "youtube#liveChatBan", id: randomBytes(8).toString("hex") };
        this.bans.push(saved);
        return { status: 200, body: saved };
      }
      default:
        return undefined;
    }
  }

  private list(q: URLSearchParams): FakeAnswer {
    const fault = this.faults.shift();
    if (fault === "quotaExceeded") return googleError(403, "quotaExceeded", "The request cannot be completed because you have exceeded your quota.");
    if (fault === "rateLimitExceeded") return googleError(403, "rateLimitExceeded", "The request was sent too soon after the previous one.");
    if (fault === "backendError") return googleError(503, "backendError", "Backend Error");
    if (fault === "liveChatDisabled") return googleError(403, "liveChatDisabled", "The live chat is not enabled for the specified broadcast.");
    if (fault === "forbidden") return googleError(403, "forbidden", "You do not have the permissions required to retrieve messages for the specified live chat.");
    if (fault === "liveChatNotFound") return googleError(404, "liveChatNotFound", "The live chat that you are trying to retrieve cannot be found.");
    const chatId = q.get("liveChatId") ?? "";
    if (!q.get("part")?.includes("snippet")) return googleError(400, "required", "Required parameter: part");
    if (!this.chats.has(chatId)) return googleError(404, "liveChatNotFound", "The live chat that you are trying to retrieve cannot be found.");
    if (this.ended.has(chatId)) return googleError(403, "liveChatEnded", "The specified live chat is no longer live.");
    const chat = this.chats.get(chatId)!;
    const token = q.get("pageToken");
    const from = token ? Number(Buffer.from(token, "base64url").toString().replace(/^pos:/, "")) : 0;
    if (!Number.isInteger(from) || from < 0 || from > chat.length) return googleError(400, "pageTokenInvalid", "The page token is invalid.");
    const max = Math.min(Number(q.get("maxResults") ?? 500), 2000);
    const items = chat.slice(from, from + max);
    const body: ListResponse = {
      kind: "youtube#liveChatMessageListResponse",
      etag: randomBytes(6).toString("hex"),
      pollingIntervalMillis: this.pollingIntervalMillis,
      nextPageToken: Buffer.from(`pos:${from + items.length}`).toString("base64url"),
      pageInfo: { totalResults: items.length, resultsPerPage: items.length },
      items,
    };
    return { status: 200, body };
  }
}
