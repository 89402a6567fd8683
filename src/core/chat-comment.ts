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
