import { sqliteTable, text, integer } from "drizzle-orm/sqlite-core";

/**
 * Named API tokens. Only a keyed hash of each token is kept: a token is shown once, when created,
 * and a stolen database file (without the master secret) lets nobody in.
 */
export const apiTokens = sqliteTable("api_tokens", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  /** Comma-separated subset of read,write,admin. */
  scopes: text("scopes").notNull(),
  tokenHash: text("token_hash").notNull().unique(),
  /** The last four characters, so a person can tell tokens apart in a list. */
  hint: text("hint").notNull(),
  createdAt: integer("created_at").notNull(),
  lastUsedAt: integer("last_used_at"),
});

export type ApiTokenRow = typeof apiTokens.$inferSelect;
