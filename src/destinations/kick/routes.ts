import { createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { PlatformRouteDeps, PlatformRoutes } from "../types.js";
import { CHAT_EVENT } from "./chat.js";
import type { KickOptions } from "./config.js";
import { chatMessageOf, DeliveryGuard, kickSignatureCheck, type KickDeliveryHeaders } from "./webhook.js";

const routeErrors = ({ errorBody }: PlatformRouteDeps["api"], windowMs: number) => ({
  unsigned: errorBody(
    "invalid_signature",
    "The Kick-Event-Signature header is missing, or does not match Kick-Event-Message-Id, Kick-Event-Message-Timestamp and the body: only Kick, signing with its private key, may post here.",
  ),
  stale: errorBody(
    "stale_delivery",
    `Kick-Event-Message-Timestamp is more than ${Math.round(windowMs / 1000)} s away from now: an old signed delivery is not taken again. Check this machine's clock if Kick's own deliveries are refused.`,
  ),
  keyUnavailable: errorBody("kick_public_key_unavailable", "Prism could not fetch Kick's public key to check the signature; Kick will deliver again."),
});

const deliveryExample = {
  message_id: "01JHFX8C2G5F4Y0W5M9V3N7QKD",
  broadcaster: { is_anonymous: false, user_id: 123456789, username: "speedy_streams", is_verified: true, profile_picture: "https://files.kick.com/images/user/123456789/profile_image/conversion/a.webp", channel_slug: "speedy_streams", identity: null },
  sender: {
    is_anonymous: false,
    user_id: 987654321,
    username: "amy_codes",
    is_verified: false,
    profile_picture: "https://files.kick.com/images/user/987654321/profile_image/conversion/b.webp",
    channel_slug: "amy_codes",
    identity: { username_color: "#FF5733", badges: [{ text: "Subscriber", type: "subscriber", count: 3 }] },
  },
  content: "hello from chat [emote:37226:KEKW]",
  emotes: [{ emote_id: "37226", positions: [{ s: 16, e: 33 }] }],
  created_at: "2026-12-05T20:08:06Z",
};

const DeliveryHeaders = z.object({
  "kick-event-message-id": z.string().openapi({ description: "Unique per event (a ULID); repeats are acknowledged and dropped", example: "01JHFX8C2G5F4Y0W5M9V3N7QKD" }),
  "kick-event-message-timestamp": z.string().openapi({ description: "When Kick sent it (RFC 3339); refused outside PRISM_KICK_WEBHOOK_WINDOW_MS of now", example: "2026-12-05T20:08:06Z" }),
  "kick-event-signature": z.string().openapi({ description: "base64 RSA-SHA256 (PKCS#1 v1.5) of `<message id>.<timestamp>.<raw body>` with Kick's private key", example: "dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZQ==" }),
  "kick-event-type": z.string().openapi({ description: "chat.message.sent is read; other events are acknowledged and dropped", example: CHAT_EVENT }),
  "kick-event-version": z.string().openapi({ example: "1" }),
  "kick-event-subscription-id": z.string().optional().openapi({ example: "01JHFX6W3B2A9C8D7E6F5G4H3J" }),
});

const AnswerSchema = z.object({
  event: z.string().openapi({ description: "Kick-Event-Type" }),
  delivered: z.number().openapi({ description: "Messages a live stream's comment feed took (0 or 1)" }),
  duplicate: z.boolean().openapi({ description: "This message id was taken before (Kick delivers at least once): acknowledged, not taken again" }),
});

/**
 * Kick's event webhook: chat messages of live streams arrive here (the app's webhook URL, set in
 * Kick's developer settings, is <public URL>/api/v1/platforms/<id>/webhook). Outside the Bearer token
 * (Kick cannot send one), authenticated by Kick's RSA signature instead, checked against the raw
 * bytes before anything of the body is parsed.
 */
export function kickRoutes(deps: PlatformRouteDeps<KickOptions>): PlatformRoutes {
  const { deliveryWindowMs } = deps.settings.options;
  const signatures = kickSignatureCheck(deps.settings.apiUrl);
  const guard = new DeliveryGuard(deliveryWindowMs);
  const { unsigned, stale, keyUnavailable } = routeErrors(deps.api, deliveryWindowMs);
  const errors = (example: unknown, description: string) => ({ description, content: { "application/json": { schema: deps.api.ErrorSchema, example } } });
  const WEBHOOK_PATH = `${deps.basePath}/webhook`;
  const app = deps.api.router();

  const signed: MiddlewareHandler = async (c, next) => {
    const headers: Partial<KickDeliveryHeaders> = {
      messageId: c.req.header("kick-event-message-id"),
      timestamp: c.req.header("kick-event-message-timestamp"),
      signature: c.req.header("kick-event-signature"),
    };
    if (!headers.messageId || !headers.timestamp || !headers.signature) return c.json(unsigned, 401);
    // Read first and kept by Hono: the JSON validator after this parses these same bytes.
    const raw = new Uint8Array(await c.req.arrayBuffer());
    let valid: boolean;
    try {
      valid = await signatures.verify({ messageId: headers.messageId, timestamp: headers.timestamp, signature: headers.signature }, raw);
    } catch {
      return c.json(keyUnavailable, 503);
    }
    if (!valid) return c.json(unsigned, 401);
    if (!guard.fresh(headers.timestamp)) return c.json(stale, 400);
    await next();
  };

  app.openapi(
    createRoute({
      method: "post",
      path: WEBHOOK_PATH,
      summary: "Kick's event webhook, signed by Kick (chat.message.sent goes to the live stream's comment feed)",
      middleware: [signed] as const,
      request: {
        headers: DeliveryHeaders,
        body: { required: true, content: { "application/json": { schema: z.record(z.string(), z.unknown()).openapi("KickEventPayload"), example: deliveryExample } } },
      },
      responses: {
        200: {
          description: "Taken, or acknowledged: a repeated message id, other events, and chat of channels no live stream reads are dropped",
          content: { "application/json": { schema: AnswerSchema, example: { event: CHAT_EVENT, delivered: 1, duplicate: false } } },
        },
        400: errors(stale, "Signed, but stamped too long ago (a replay) or not a JSON object"),
        401: errors(unsigned, "Unsigned, or not signed with Kick's key"),
        503: errors(keyUnavailable, "Kick's public key could not be fetched"),
      },
    }),
    async (c) => {
      const { "kick-event-type": event, "kick-event-message-id": messageId } = c.req.valid("header");
      // Only a signed, fresh delivery reaches here, so only Kick's own ids are remembered.
      const duplicate = !guard.firstTime(messageId);
      let delivered = 0;
      if (!duplicate && event === CHAT_EVENT) {
        const chat = chatMessageOf(c.req.valid("json"));
        try {
          if (chat) delivered = (await deps.chat.deliver(chat.broadcasterUserId, [chat.message])) > 0 ? 1 : 0;
        } catch (err) {
          // Not taken (in a cluster, the node reading the stream's chat could not be reached): Kick sends it again.
          guard.forget(messageId);
          throw err;
        }
      }
      return c.json({ event, delivered, duplicate }, 200);
    },
  );

  // Kick signs what it posts here: its own check replaces the Bearer token.
  return { app, publicPaths: [WEBHOOK_PATH] };
}
