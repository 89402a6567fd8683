import { sqliteTable, text, integer } from "drizzle-orm/sqlite-core";
import { destinations } from "./relay.js";

/**
 * Where an X destination's chat is. X has no public live chat, so it is either the replies to the
 * stream's announcement post (typed in, or posted by Prism at go-live) or, with X's Enterprise
 * Livestream API, a broadcast whose chat X pushes to Prism's webhook. Nothing here is secret.
 */
export const xDestinationChat = sqliteTable("x_destination_chat", {
  destinationId: text("destination_id")
    .primaryKey()
    .references(() => destinations.id, { onDelete: "cascade" }),
  /** The post whose replies are read; replaced by the one Prism posts when `announceText` is set. */
  postId: text("post_id"),
  /** Prism posts this at every go-live through the linked account; null: the streamer posts. */
  announceText: text("announce_text"),
  /** Enterprise: the broadcast whose `broadcast.chat` events belong to this destination. */
  broadcastId: text("broadcast_id"),
  updatedAt: integer("updated_at").notNull(),
});

export type XDestinationChatRow = typeof xDestinationChat.$inferSelect;
