import { generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { bearer, startFakeServer, type FakeAnswer, type FakeRequest, type FakeServer } from "./http.js";
import { OAuthServer, type FakeUser, type OAuthTokenResponse } from "./oauth-server.js";
import type {
  KickChannel,
  KickChatMessageSent,
  KickEnvelope,
  KickEventUser,
  KickOAuthError,
  KickPatchChannel,
  KickPostBan,
  KickPostChat,
  KickPostChatResult,
  KickPostSubscriptions,
  KickPublicKey,
  KickSubscribeResult,
  KickSubscription,
  KickTokenResponse,
  KickUser,
} from "./kick-types.js";

export const KICK_USER: FakeUser = { id: "123456789", login: "speedy_streams", displayName: "speedy_streams" };

/** A delivery as Kick posts it: the headers it signs with and the raw body. */
export interface KickDelivery {
  headers: Record<string, string>;
  body: string;
}

export interface KickFake extends FakeServer {
  oauth: OAuthServer;
  /** What GET /channels hands out with streamkey:read (tests point it at a receiver). */
  stream: { url: string; key: string };
  /** Whether the channel is live on Kick, and how many watch (GET /channels' stream.is_live and viewer_count). */
  live: { isLive: boolean; viewers: number };
  titles: Map<string, string>;
  sent: Array<{ userId: string; body: KickPostChat }>;
  bans: Array<{ userId: string; body: KickPostBan }>;
  deletedMessages: string[];
  subscriptions: Map<string, KickSubscription>;
  counts: { publicKey: number; subscribe: number; unsubscribe: number };
  /** Answer the next `n` API calls (not OAuth) with 429, as Kick's rate limit does. */
  rateLimitNext(n: number): void;
  /** A chat.message.sent delivery (its own Kick-Event-Message-Id, the chat message its own message_id) signed with this fake's private key (Kick's recipe). */
  chatDelivery(input: { deliveryId?: string; messageId?: string; text: string; sender?: Partial<KickEventUser>; broadcasterId?: string; timestamp?: Date; emotes?: KickChatMessageSent["emotes"] }): KickDelivery;
  /** Signs any body the way Kick does: RSA-SHA256 PKCS#1 v1.5 over `<id>.<timestamp>.<body>`, base64. */
  signDelivery(messageId: string, timestamp: string, body: string, type?: string): KickDelivery;
  env(): Record<string, string>;
}

const apiError = (status: number, message: string): FakeAnswer => ({ status, body: { data: {}, message } });
const ok = <T>(data: T, status = 200): FakeAnswer => ({ status, body: { data, message: "OK" } satisfies KickEnvelope<T> });
const ulid = () => `01J${randomBytes(12).toString("hex").toUpperCase().slice(0, 23)}`;

/**
 * Kick: OAuth 2.1 at id.kick.com (PKCE S256 required, client secret in the form, every refresh
 * rotates the refresh token and the old one is refused), the public API under /public/v1 answering
 * `{ data, message }` (401 for an expired token, 429 when rate limited), and a key pair standing in
 * for Kick's: the public half at GET /public/v1/public-key, the private half signs deliveries.
 */
export async function startKickFake(): Promise<KickFake> {
  const oauth = new OAuthServer(
    {
      clientId: "01JKICKCLIENT0000000000000",
      clientSecret: "kick-secret-fake-0123456789",
      clientAuth: "body",
      pkce: "required",
      accessTtlSec: 7200,
      refreshTokens: "rotate",
      scopeFormat: "string",
      tokenResponse: (t: OAuthTokenResponse): KickTokenResponse => ({
        access_token: t.access_token,
        token_type: "Bearer",
        refresh_token: t.refresh_token ?? "",
        expires_in: t.expires_in,
        scope: typeof t.scope === "string" ? t.scope : "",
      }),
      tokenError: (kind, description) => ({ status: kind === "invalid_client" ? 401 : 400, body: { error: kind, error_description: description } satisfies KickOAuthError }),
    },
    KICK_USER,
  );
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  const stream = { url: "rtmps://127.0.0.1:1/app", key: "sk_us-west-2_fake0123456789" };
  const live = { isLive: false, viewers: 0 };
  const titles = new Map<string, string>();
  const sent: KickFake["sent"] = [];
  const bans: KickFake["bans"] = [];
  const deletedMessages: string[] = [];
  const subscriptions = new Map<string, KickSubscription>();
  const counts = { publicKey: 0, subscribe: 0, unsubscribe: 0 };
  let rateLimited = 0;

  const has = (scopes: string[], scope: string) => scopes.includes(scope);
  const api = (req: FakeRequest, path: string): FakeAnswer => {
    if (path === "GET /public-key") {
      counts.publicKey += 1;
      return ok<KickPublicKey>({ public_key: publicPem });
    }
    if (rateLimited > 0) {
      rateLimited -= 1;
      return { ...apiError(429, "Too Many Requests"), headers: { "retry-after": "1" } };
    }
    const auth = oauth.authenticate(bearer(req));
    if (!auth.ok) return apiError(401, "Unauthorized");
    const userId = auth.user.id;
    const need = (scope: string) => (has(auth.scopes, scope) ? undefined : apiError(403, `Forbidden: missing scope ${scope}`));
    switch (path) {
      case "GET /users":
        return need("user:read") ?? ok<KickUser[]>([{ user_id: Number(userId), name: auth.user.login, profile_picture: "https://files.kick.com/images/user/123456789/profile_image/conversion/a.webp" }]);
      case "GET /channels": {
        const keyed = has(auth.scopes, "streamkey:read");
        const channel: KickChannel = {
          broadcaster_user_id: Number(userId),
          slug: auth.user.login,
          channel_description: "",
          banner_picture: "",
          stream_title: titles.get(userId) ?? "",
          category: { id: 15, name: "Just Chatting", thumbnail: "" },
          stream: { url: keyed ? stream.url : "", key: keyed ? stream.key : "", is_live: live.isLive, is_mature: false, language: "en", start_time: live.isLive ? new Date().toISOString() : "0001-01-01T00:00:00Z", viewer_count: live.isLive ? live.viewers : 0, thumbnail: "", custom_tags: [] },
        };
        return need("channel:read") ?? ok([channel]);
      }
      case "PATCH /channels": {
        const body = req.json<KickPatchChannel>();
        if (body.stream_title !== undefined && (body.stream_title.length === 0 || body.stream_title.length > 100)) return apiError(400, "stream_title must be 1 to 100 characters");
        if (need("channel:write")) return need("channel:write")!;
        if (body.stream_title !== undefined) titles.set(userId, body.stream_title);
        return { status: 204 };
      }
      case "POST /chat": {
        const body = req.json<KickPostChat>();
        if (need("chat:write")) return need("chat:write")!;
        if (body.type === "user" && !body.broadcaster_user_id) return apiError(400, "broadcaster_user_id is required for type user");
        if (!body.content || body.content.length > 500) return apiError(400, "content must be 1 to 500 characters");
        sent.push({ userId, body });
        return ok<KickPostChatResult>({ is_sent: true, message_id: randomBytes(8).toString("hex") });
      }
      case "POST /moderation/bans": {
        const body = req.json<KickPostBan>();
        if (need("moderation:ban")) return need("moderation:ban")!;
        if (!Number.isInteger(body.user_id) || body.broadcaster_user_id !== Number(userId)) return apiError(400, "broadcaster_user_id and user_id are required");
        bans.push({ userId, body });
        return ok({});
      }
      case "GET /events/subscriptions": {
        const wanted = req.url.searchParams.get("broadcaster_user_id");
        return need("events:subscribe") ?? ok([...subscriptions.values()].filter((s) => !wanted || String(s.broadcaster_user_id) === wanted));
      }
      case "POST /events/subscriptions": {
        if (need("events:subscribe")) return need("events:subscribe")!;
        counts.subscribe += 1;
        const body = req.json<KickPostSubscriptions>();
        const results = body.events.map((e): KickSubscribeResult => {
          const now = new Date().toISOString();
          const id = ulid();
          subscriptions.set(id, { id, app_id: oauth.dialect.clientId, broadcaster_user_id: body.broadcaster_user_id ?? Number(userId), event: e.name, version: e.version, method: body.method, created_at: now, updated_at: now });
          return { name: e.name, version: e.version, subscription_id: id, error: null };
        });
        return ok(results);
      }
      case "DELETE /events/subscriptions": {
        counts.unsubscribe += 1;
        for (const id of req.url.searchParams.getAll("id")) subscriptions.delete(id);
        return { status: 204 };
      }
      default: {
        const deleted = /^DELETE \/chat\/([^/]+)$/.exec(path);
        if (deleted) {
          if (need("moderation:chat_message:manage")) return need("moderation:chat_message:manage")!;
          deletedMessages.push(decodeURIComponent(deleted[1]!));
          return { status: 204 };
        }
        return apiError(404, `Not Found: ${path}`);
      }
    }
  };

  const server = await startFakeServer((req): FakeAnswer => {
    const path = `${req.method} ${req.url.pathname}`;
    if (path === "GET /oauth/authorize") return oauth.authorize(req);
    if (path === "POST /oauth/token") return oauth.token(req);
    // Kick documents the token in the query; a form body (RFC 7009) is taken too.
    if (path === "POST /oauth/revoke") return oauth.revoke(req, req.url.searchParams.get("token") ?? req.form().get("token") ?? "");
    if (req.url.pathname.startsWith("/public/v1/")) return api(req, `${req.method} ${req.url.pathname.slice("/public/v1".length)}`);
    return apiError(404, `Not Found: ${path}`);
  });

  const user = (id: string, login: string, over: Partial<KickEventUser> = {}): KickEventUser => ({
    is_anonymous: false,
    user_id: Number(id),
    username: login,
    is_verified: false,
    profile_picture: "",
    channel_slug: login,
    identity: null,
    ...over,
  });
  const signDelivery = (messageId: string, timestamp: string, body: string, type = "chat.message.sent"): KickDelivery => ({
    headers: {
      "content-type": "application/json",
      "kick-event-message-id": messageId,
      "kick-event-subscription-id": [...subscriptions.keys()][0] ?? ulid(),
      "kick-event-signature": sign("sha256", Buffer.from(`${messageId}.${timestamp}.${body}`), privateKey).toString("base64"),
      "kick-event-message-timestamp": timestamp,
      "kick-event-type": type,
      "kick-event-version": "1",
    },
    body,
  });

  return {
    ...server,
    oauth,
    stream,
    live,
    titles,
    sent,
    bans,
    deletedMessages,
    subscriptions,
    counts,
    rateLimitNext: (n) => (rateLimited = n),
    signDelivery,
    chatDelivery({ deliveryId = ulid(), messageId = randomBytes(8).toString("hex"), text, sender = {}, broadcasterId = KICK_USER.id, timestamp = new Date(), emotes = null }) {
      const payload: KickChatMessageSent = {
        message_id: messageId,
        broadcaster: user(broadcasterId, KICK_USER.login, { is_verified: true }),
        sender: user("987654321", "amy_codes", sender),
        content: text,
        emotes,
        created_at: timestamp.toISOString().replace(/\.\d{3}Z$/, "Z"),
      };
      return signDelivery(deliveryId, timestamp.toISOString(), JSON.stringify(payload));
    },
    env: () => ({
      PRISM_KICK_CLIENT_ID: oauth.dialect.clientId,
      PRISM_KICK_CLIENT_SECRET: oauth.dialect.clientSecret,
      PRISM_KICK_AUTH_URL: server.url,
      PRISM_KICK_API_URL: `${server.url}/public/v1`,
    }),
  };
}
