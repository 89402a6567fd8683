/**
 * Kick's public API shapes (docs.kick.com / github.com/KickEngineering/KickDevDocs and its OpenAPI
 * document api.kick.com/swagger/doc.yaml). Kick publishes no official client types, so these are
 * written from the documented payloads; fields the docs mark optional or nullable are so here.
 */

/** Every answer of https://api.kick.com/public/v1: `{ data, message }`. */
export interface KickEnvelope<T> {
  data: T;
  message: string;
}

/** The OAuth server's answers (id.kick.com/oauth/token): RFC 6749, `scope` space-separated. */
export interface KickTokenResponse {
  access_token: string;
  token_type: string;
  refresh_token: string;
  expires_in: number;
  scope: string;
}
export interface KickOAuthError {
  error: string;
  error_description?: string;
}

/** GET /users (the token's user without ?id=). */
export interface KickUser {
  user_id: number;
  name: string;
  email?: string;
  profile_picture: string;
}

/** GET /channels (the token's own channel without ?slug= / ?broadcaster_user_id=). */
export interface KickChannel {
  broadcaster_user_id: number;
  slug: string;
  channel_description: string;
  banner_picture: string;
  stream_title: string;
  category: { id: number; name: string; thumbnail: string };
  /** url and key are empty unless the token has streamkey:read. */
  stream: { url: string; key: string; is_live: boolean; is_mature: boolean; language: string; start_time: string; viewer_count: number; thumbnail: string; custom_tags: string[] };
}

/** PATCH /channels body (204 on success). */
export interface KickPatchChannel {
  category_id?: number;
  stream_title?: string;
  custom_tags?: string[];
}

/** POST /chat body and answer. */
export interface KickPostChat {
  broadcaster_user_id?: number;
  content: string;
  reply_to_message_id?: string;
  type: "user" | "bot";
}
export interface KickPostChatResult {
  is_sent: boolean;
  message_id: string;
}

/** POST /moderation/bans body (no duration: a permanent ban). */
export interface KickPostBan {
  broadcaster_user_id: number;
  user_id: number;
  duration?: number;
  reason?: string;
}

/** POST /events/subscriptions body, its per-event results, and GET's listing. */
export interface KickPostSubscriptions {
  broadcaster_user_id?: number;
  events: Array<{ name: string; version: number }>;
  method: "webhook";
}
export interface KickSubscribeResult {
  name: string;
  version: number;
  subscription_id: string | null;
  error: string | null;
}
export interface KickSubscription {
  id: string;
  app_id: string;
  broadcaster_user_id: number;
  event: string;
  version: number;
  method: string;
  created_at: string;
  updated_at: string;
}

/** GET /public-key. */
export interface KickPublicKey {
  public_key: string;
}

/** An event's user (docs: events/event-types). */
export interface KickEventUser {
  is_anonymous: boolean;
  user_id: number;
  username: string;
  is_verified: boolean;
  profile_picture: string;
  channel_slug: string;
  identity: { username_color: string; badges: Array<{ text: string; type: string; count?: number }> } | null;
}

/** The chat.message.sent v1 payload. */
export interface KickChatMessageSent {
  message_id: string;
  replies_to?: { message_id: string; content: string; sender: KickEventUser } | null;
  broadcaster: KickEventUser;
  sender: KickEventUser;
  content: string;
  emotes: Array<{ emote_id: string; positions: Array<{ s: number; e: number }> }> | null;
  created_at: string;
}
