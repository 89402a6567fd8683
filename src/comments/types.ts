import type { AccountApi, StreamInfo } from "../destinations/account-types.js";
import type { ChatSupport } from "../destinations/chat-types.js";

/** One message of the merged feed, whatever platform it came from. */
export interface ChatComment {
  id: string;
  /** Feed position: the SSE event id a client resumes from. */
  seq: number;
  platform: string;
  streamId: string;
  author: { id: string; name: string; avatarUrl?: string; badges: string[]; color?: string };
  text: string;
  emotes?: Array<{ id: string; name: string; start: number; end: number; url?: string }>;
  sentAt: Date;
  receivedAt: Date;
  /** Why a filter caught it (kept for review, never shown in the feed); null when clean. */
  flagged: string | null;
  /** Taken off the feed by a moderator ("hidden") or with its author ("blocked"). */
  hidden: "hidden" | "blocked" | null;
}

/** A comment before it gets its feed position. */
export type NewComment = Omit<ChatComment, "seq" | "id"> & { platformMessageId: string };

/** One platform chat a live stream can read and write: a linked-account destination whose platform has chat. */
export interface ChatSource {
  platform: string;
  destinationId: string;
  chat: ChatSupport;
  api: AccountApi;
  stream: StreamInfo;
}

/** Where the feed finds a stream's chats (the OAuth layer builds the AccountApis). */
export interface ChatSources {
  forStream(streamId: string): ChatSource[];
}

/** What live subscribers are told. */
export type FeedEvent = { type: "comment"; comment: ChatComment } | { type: "removed"; ids: string[]; reason: "hidden" | "blocked" | "filtered" };
