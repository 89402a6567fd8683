/**
 * What a feed item is: a plain chat message, or an engagement event (issue #17): money or platform
 * currency ("paid": a Super Chat or Super Sticker, a cheer), a new or renewed membership or
 * subscription, gifted memberships or subscriptions, a raid.
 */
export type CommentKind = "message" | "paid" | "membership" | "raid" | "gift";

/** Money or platform currency attached: value in whole units (5.5 = 5.50), an ISO 4217 code or "BITS". */
export interface CommentAmount {
  value: number;
  currency: string;
}

/** One message of the merged feed, whatever platform it came from. */
export interface ChatComment {
  id: string;
  /** Feed position: the SSE event id a client resumes from. */
  seq: number;
  platform: string;
  streamId: string;
  author: { id: string; name: string; avatarUrl?: string; badges: string[]; color?: string };
  text: string;
  /** "message" for plain chat; anything else is an engagement event. */
  kind: CommentKind;
  amount?: CommentAmount;
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
