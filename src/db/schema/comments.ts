import { sqliteTable, text, integer, real, index, uniqueIndex, primaryKey } from "drizzle-orm/sqlite-core";
import { streams } from "./relay.js";

// Same portability rules as relay.ts: text ids, integer millisecond timestamps, JSON in text columns.

/**
 * The merged chat of every stream. `seq` is the feed's order (assigned when the reorder window
 * releases a message) and the SSE event id a client resumes from, so it must never be reused.
 */
export const comments = sqliteTable(
  "comments",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    id: text("id").notNull().unique(),
    streamId: text("stream_id")
      .notNull()
      .references(() => streams.id, { onDelete: "cascade" }),
    platform: text("platform").notNull(),
    platformMessageId: text("platform_message_id").notNull(),
    authorId: text("author_id").notNull(),
    authorName: text("author_name").notNull(),
    authorAvatarUrl: text("author_avatar_url"),
    authorColor: text("author_color"),
    authorBadges: text("author_badges", { mode: "json" }).notNull().$type<string[]>(),
    text: text("text").notNull(),
    /** "message", or the engagement event it is (issue #17): paid, membership, gift, raid. */
    kind: text("kind", { enum: ["message", "paid", "membership", "raid", "gift"] }).notNull().default("message"),
    /** Money or platform currency attached: whole units (5.5 = 5.50) and an ISO 4217 code or "BITS"; both null otherwise. */
    amountValue: real("amount_value"),
    amountCurrency: text("amount_currency"),
    emotes: text("emotes", { mode: "json" }).$type<Array<{ id: string; name: string; start: number; end: number; url?: string }>>(),
    sentAt: integer("sent_at").notNull(),
    receivedAt: integer("received_at").notNull(),
    /** Why a filter caught it; kept for the moderator's review, never in the public feed. */
    flagged: text("flagged"),
    /** "hidden" by a moderator or "blocked" with its author: gone from the feed and the overlay. */
    hidden: text("hidden", { enum: ["hidden", "blocked"] }),
  },
  (t) => [
    // Dedup: a reader that reconnects and reads the same page again changes nothing.
    uniqueIndex("comments_platform_message_idx").on(t.streamId, t.platform, t.platformMessageId),
    index("comments_stream_seq_idx").on(t.streamId, t.seq),
    index("comments_author_idx").on(t.streamId, t.platform, t.authorId),
  ],
);

/** Word and regex filters of a stream's chat. */
export const chatFilters = sqliteTable(
  "chat_filters",
  {
    id: text("id").primaryKey(),
    streamId: text("stream_id")
      .notNull()
      .references(() => streams.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["word", "regex"] }).notNull(),
    pattern: text("pattern").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("chat_filters_stream_idx").on(t.streamId)],
);

/** Authors blocked from a stream's feed. */
export const chatBlocks = sqliteTable(
  "chat_blocks",
  {
    streamId: text("stream_id")
      .notNull()
      .references(() => streams.id, { onDelete: "cascade" }),
    platform: text("platform").notNull(),
    authorId: text("author_id").notNull(),
    authorName: text("author_name"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.streamId, t.platform, t.authorId] })],
);

/** The read-only overlay token of a stream (one per stream, rotatable); keyed hash only. */
export const overlayTokens = sqliteTable("overlay_tokens", {
  streamId: text("stream_id")
    .primaryKey()
    .references(() => streams.id, { onDelete: "cascade" }),
  tokenHash: text("token_hash").notNull().unique(),
  createdAt: integer("created_at").notNull(),
});

export type CommentRow = typeof comments.$inferSelect;
export type ChatFilterRow = typeof chatFilters.$inferSelect;
export type ChatBlockRow = typeof chatBlocks.$inferSelect;

/** A stream's chat modes (issue #14), re-applied at every go-live. */
export const chatModes = sqliteTable("chat_modes", {
  streamId: text("stream_id")
    .primaryKey()
    .references(() => streams.id, { onDelete: "cascade" }),
  /** null: slow mode off. */
  slowSec: integer("slow_sec"),
  /** null: followers-only off. */
  minFollowMinutes: integer("min_follow_minutes"),
  subscribersOnly: integer("subscribers_only", { mode: "boolean" }).notNull(),
  emoteOnly: integer("emote_only", { mode: "boolean" }).notNull(),
  updatedAt: integer("updated_at").notNull(),
});
