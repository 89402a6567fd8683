import type { Logger } from "pino";
import type { AccountApi, StreamInfo } from "./account-api.js";
import type { ChatModeKey, ChatModes } from "../core/chat-modes.js";
import type { CommentAmount, CommentKind } from "../core/chat-comment.js";

export type { ChatModeKey, ChatModes } from "../core/chat-modes.js";

/**
 * Chat modes a platform's API can set (slow, followers-only, subscribers/members-only, emote-only).
 * Optional: a platform without it gets Prism's own enforcement on the merged feed and overlay, for
 * what Prism can tell from the messages (see `isSupporter`).
 */
export interface ChatModesSupport {
  /** Whether the platform can apply `mode` as `modes` asks (e.g. a slow-mode interval within its range). */
  supports(mode: ChatModeKey, modes: ChatModes): boolean;
  /**
   * Sets the platform's chat to `modes`; a mode `supports` refused arrives switched off (Prism
   * enforces it itself). Rejects with PlatformRefused (a missing OAuth scope: say to link the
   * account again) or PlatformUnavailable.
   */
  set(api: AccountApi, stream: StreamInfo, modes: ChatModes): Promise<void>;
}

/**
 * A platform's live chat, as its adapter exposes it to the comment feed (src/comments/). The reader
 * finds the stream's chat through the platform's API (a live chat id, a movie, an
 * announcement post, a channel), reads it until `signal` aborts, and reconnects or backs off on its own: one
 * platform's outage never touches another's reader.
 */
export interface ChatSupport {
  read(api: AccountApi, stream: StreamInfo, sink: ChatSink, signal: AbortSignal): Promise<void>;
  /** Posts the streamer's message to the stream's chat; rejects with PlatformRefused/PlatformUnavailable. */
  send?(api: AccountApi, stream: StreamInfo, text: string): Promise<void>;
  /** Removes one message on the platform, where its API allows it. */
  deleteMessage?(api: AccountApi, stream: StreamInfo, platformMessageId: string): Promise<void>;
  /** Bans an author from the stream's chat on the platform, where its API allows it. */
  banAuthor?(api: AccountApi, stream: StreamInfo, authorId: string): Promise<void>;
  /** Chat modes set on the platform, where its API allows it. */
  modes?: ChatModesSupport;
  /**
   * Whether an author's badges (as this platform's reader writes them) show a subscriber or member
   * (or the channel's own staff, who are never held back). Lets Prism enforce subscribers-only on
   * its feed when the platform cannot; without it, Prism cannot tell and says so.
   */
  isSupporter?(badges: readonly string[]): boolean;
}

/** One chat message as a platform gave it, before merging, dedup and moderation. */
export interface IncomingChatMessage {
  /** The platform's own id, unique per platform: the dedup key together with the platform. */
  platformMessageId: string;
  author: { id: string; name: string; avatarUrl?: string; color?: string; badges: string[] };
  text: string;
  emotes?: Array<{ id: string; name: string; start: number; end: number; url?: string }>;
  sentAt: Date;
  /** An engagement event (a Super Chat, a cheer, a raid…); absent: a plain chat message. */
  kind?: CommentKind;
  /** Money or platform currency attached, where there is some. */
  amount?: CommentAmount;
}

export type ChatReaderState = "connecting" | "live" | "reconnecting" | "failed";

/** Where a reader hands over what it reads, and says how it is doing. */
export interface ChatSink {
  messages(messages: IncomingChatMessage[]): void;
  /**
   * Everything sent before `until` has been handed over (a poll came back, a keepalive arrived), so
   * the merger need not hold other platforms' messages back for this one; null: this reader has
   * nothing to read for now, do not wait for it at all. Optional to call: a live reader that never
   * does only costs the feed its reorder window.
   */
  caughtUp(until: Date | null): void;
  state(state: ChatReaderState, detail?: string): void;
  log: Logger;
}
