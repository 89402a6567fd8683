import type { AccountApi, StreamInfo } from "../destinations/account-types.js";
import type { ChatSupport } from "../destinations/chat-types.js";

// The comment itself is core vocabulary: the database stores it, the API shows it.
import type { ChatComment, NewComment } from "../core/chat-comment.js";

export type { ChatComment, NewComment };

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
  forStream(streamId: string): ChatSource[] | Promise<ChatSource[]>;
}

/** What live subscribers are told. */
export type FeedEvent = { type: "comment"; comment: ChatComment } | { type: "removed"; ids: string[]; reason: "hidden" | "blocked" | "filtered" };
