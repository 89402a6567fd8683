import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";

/**
 * The dashboard's login sessions. The cookie holds a random session id; the row holds only keyed
 * hashes: of that id (so a copied database file opens no session) and of the API token it logged
 * in with (so deleting or rotating that token ends the session, and the token is never stored).
 */
export const sessions = sqliteTable(
  "sessions",
  {
    idHash: text("id_hash").primaryKey(),
    tokenHash: text("token_hash").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("sessions_token_hash_idx").on(t.tokenHash), index("sessions_expires_at_idx").on(t.expiresAt)],
);

export type SessionRow = typeof sessions.$inferSelect;
