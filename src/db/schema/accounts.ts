import { sqliteTable, text, integer, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Platform accounts linked with OAuth. Tokens are stored only encrypted (SecretBox); everything
 * else is what a person needs to recognise the account.
 */
export const accounts = sqliteTable(
  "accounts",
  {
    id: text("id").primaryKey(),
    platform: text("platform").notNull(),
    /** The platform's own id of the user: linking the same user again updates this row. */
    platformUserId: text("platform_user_id").notNull(),
    displayName: text("display_name").notNull(),
    /** Granted scopes, space-separated (as OAuth writes them). */
    scopes: text("scopes").notNull(),
    accessTokenEnc: text("access_token_enc").notNull(),
    /** null: the platform issues none , so the account is linked again when the token expires. */
    refreshTokenEnc: text("refresh_token_enc"),
    /** Unix ms; null: the platform did not say. */
    expiresAt: integer("expires_at"),
    /** "ok" | "needs_reconnect" */
    status: text("status").notNull(),
    /** Why the account needs to be connected again, in words for the streamer. */
    statusReason: text("status_reason"),
    /** Platform objects Prism keeps reusing (e.g. a reusable live stream id), as JSON; nothing secret. */
    platformData: text("platform_data"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("accounts_platform_user_idx").on(t.platform, t.platformUserId)],
);

/**
 * One-time `state` values of account-linking flows in progress (CSRF protection), with the PKCE
 * verifier that belongs to each. Kept after use until they expire, so a reused link can be told
 * apart from a forged one.
 */
export const oauthStates = sqliteTable("oauth_states", {
  /** Keyed hash of the state: the raw value only ever travels through the browser. */
  stateHash: text("state_hash").primaryKey(),
  platform: text("platform").notNull(),
  /** PKCE code_verifier, encrypted; null for platforms without PKCE. */
  codeVerifierEnc: text("code_verifier_enc"),
  redirectUri: text("redirect_uri").notNull(),
  expiresAt: integer("expires_at").notNull(),
  usedAt: integer("used_at"),
  createdAt: integer("created_at").notNull(),
});

export type AccountRow = typeof accounts.$inferSelect;
export type OAuthStateRow = typeof oauthStates.$inferSelect;
