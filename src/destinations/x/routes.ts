import { createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { PlatformRouteDeps, PlatformRoutes } from "../types.js";
import type { XOptions } from "./config.js";
import { broadcastChats, CRC_TOKEN, ReplayGuard, xWebhookSigner, XActivityDelivery, type XBroadcastChat } from "./webhook.js";

interface XChatSettingsView {
  broadcastId?: string | null;
}

const notCrcToken = "not a challenge X would send (X's crc_token is 16 to 128 characters of base64 or base64url)";

const routeErrors = ({ errorBody }: PlatformRouteDeps["api"]) => ({
  notConfigured: errorBody("x_webhook_not_configured", "X's webhook is off: set PRISM_X_CONSUMER_SECRET to the X app's consumer secret (API key secret) and restart Prism."),
  badSignature: errorBody("invalid_signature", "The x-twitter-webhooks-signature header is missing or does not match the body: only X, signing with the app's consumer secret, may post here."),
  crcRefused: errorBody("validation_failed", `crc_token: ${notCrcToken}`),
  replayed: errorBody("replayed_delivery", "This exact signed body was delivered before: a delivery is taken once, so a captured one cannot be replayed. X sends each event once (a retry after a 200 is not needed)."),
});

const deliveryExample = {
  data: {
    event_type: "broadcast.chat",
    event_uuid: "7365873565827875221",
    filter: { user_id: "1578438263413989376" },
    tag: "prism",
    payload: {
      broadcast_id: "1mGPaZaAdNqJN",
      message_id: "2090000000000000004",
      message: "hello from chat",
      author: { data: { id: "2244994945", username: "amy_codes", name: "Amy", profile_image_url: "https://pbs.twimg.com/profile_images/amy.jpg" } },
    },
  },
};

/**
 * X Enterprise's live chat: the X Activity API pushes `broadcast.chat` events here. Outside the
 * Bearer token (X cannot send one), authenticated by X's HMAC signature instead: the CRC challenge
 * proves to X that this Prism holds the app's consumer secret, the signature header proves to
 * Prism that X sent the body. The body is checked before anything of it is parsed.
 */
export function xRoutes(deps: PlatformRouteDeps<XOptions>): PlatformRoutes {
  const { consumerSecret } = deps.settings.options;
  // undefined: PRISM_X_CONSUMER_SECRET is not set, so nothing X sends can be checked.
  const x = { signer: consumerSecret ? xWebhookSigner(consumerSecret) : undefined, deliver: (chats: XBroadcastChat[]) => deliver(deps, chats) };
  const { notConfigured, badSignature, crcRefused, replayed } = routeErrors(deps.api);
  const errors = (example: unknown, description: string) => ({ description, content: { "application/json": { schema: deps.api.ErrorSchema, example } } });
  // Where X's webhook is registered (POST /2/webhooks with url=<public URL>/api/v1/platforms/x/webhook).
  const X_WEBHOOK_PATH = `${deps.basePath}/webhook`;
  const app = deps.api.router();
  const replays = new ReplayGuard();

  const signed: MiddlewareHandler = async (c, next) => {
    if (!x.signer) return c.json(notConfigured, 503);
    // Read first and kept by Hono: the JSON validator after this parses these same bytes.
    const raw = new Uint8Array(await c.req.arrayBuffer());
    if (!x.signer.verify(raw, c.req.header("x-twitter-webhooks-signature"))) return c.json(badSignature, 401);
    if (!replays.firstTime(raw)) return c.json(replayed, 409);
    await next();
  };

  app.openapi(
    createRoute({
      method: "get",
      path: X_WEBHOOK_PATH,
      summary: "X's challenge-response check (CRC) for the Enterprise chat webhook",
      request: { query: z.object({ crc_token: z.string().min(1, "required").regex(CRC_TOKEN, notCrcToken).openapi({ example: "M2RkODJkZmMtYjlkYi00NmQ4LTk0MGUtM2JjYzkwM2Q4MjQ0" }) }) },
      responses: {
        200: {
          description: "sha256= + base64(HMAC-SHA256(consumer secret, crc_token))",
          content: { "application/json": { schema: z.object({ response_token: z.string() }), example: { response_token: "sha256=x0mFiZIvzoiN2ctxsDWWdZOJh7wazp3iSFeMJ6rA9uY=" } } },
        },
        400: errors(crcRefused, "No crc_token, or one shaped unlike X's (Prism signs nothing else: the answer is the signature a POST carries)"),
        503: errors(notConfigured, "PRISM_X_CONSUMER_SECRET is not set"),
      },
    }),
    (c) => {
      if (!x.signer) return c.json(notConfigured, 503);
      const responseToken = x.signer.crcResponse(c.req.valid("query").crc_token);
      if (!responseToken) return c.json(crcRefused, 400);
      return c.json({ response_token: responseToken }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: X_WEBHOOK_PATH,
      summary: "X Activity API events, signed by X (broadcast.chat goes to the live stream's comment feed)",
      middleware: [signed] as const,
      request: { body: { required: true, content: { "application/json": { schema: XActivityDelivery.openapi("XActivityDelivery"), example: deliveryExample } } } },
      responses: {
        200: {
          description: "Taken; events other than broadcast.chat, and chat of broadcasts no live stream reads, are acknowledged and dropped",
          content: { "application/json": { schema: z.object({ events: z.number(), delivered: z.number() }), example: { events: 1, delivered: 1 } } },
        },
        400: errors(deps.api.errorBody("validation_failed", "data: Invalid input"), "Signed, but not an X Activity delivery"),
        401: errors(badSignature, "Unsigned, or signed with another secret"),
        409: errors(replayed, "The same signed body again (the last 10,000 are remembered)"),
        503: errors(notConfigured, "PRISM_X_CONSUMER_SECRET is not set"),
      },
    }),
    async (c) => {
      const delivery = c.req.valid("json");
      const chats = broadcastChats(delivery);
      return c.json({ events: Array.isArray(delivery.data) ? delivery.data.length : 1, delivered: await x.deliver(chats) }, 200);
    },
  );

  // X signs what it posts here: its own check replaces the Bearer token.
  return { app, publicPaths: [X_WEBHOOK_PATH] };
}

/**
 * X Enterprise's broadcast chat joins the feed of each live stream whose X destination is linked to
 * the broadcaster and reads this broadcast (or names none), as if its X reader had read it. How
 * many messages found a stream.
 */
async function deliver(deps: PlatformRouteDeps<XOptions>, chats: XBroadcastChat[]): Promise<number> {
  let delivered = 0;
  for (const chat of chats) {
    const reads = async (destinationId: string) => {
      const wanted = ((await deps.destinationSettings(destinationId)) as XChatSettingsView | undefined)?.broadcastId;
      return !wanted || !chat.broadcastId || wanted === chat.broadcastId;
    };
    if ((await deps.chat.deliver(chat.userId, [chat.message], reads)) > 0) delivered++;
  }
  return delivered;
}
