import { z } from "@hono/zod-openapi";
import { EVENT_TYPES, catalog } from "../webhooks/catalog.js";

const eventType = z.enum(EVENT_TYPES);

export const EventSchema = z
  .object({
    id: z.string().openapi({ example: "evt_6f1d0c9a2b3e4f5a8b7c6d5e4f3a2b1c" }),
    type: eventType,
    createdAt: z.string().openapi({ example: "2025-06-06T19:00:02.114Z" }),
    data: z.record(z.string(), z.unknown()).openapi({ example: catalog["stream.started"].example }),
  })
  .openapi("Event", { description: "Every event, everywhere (webhook bodies, the event log), has this shape." });

export const EventTypeSchema = z
  .object({ type: eventType, description: z.string(), example: EventSchema })
  .openapi("EventType");

const limit = (fallback: number) =>
  z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(200, "must be at most 200")
    .default(fallback)
    .openapi({ param: { name: "limit", in: "query" } });

export const EventsQuery = z.object({
  type: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const types = (v ?? "").split(",").map((t) => t.trim()).filter(Boolean);
      const unknown = types.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
      if (unknown.length > 0) {
        ctx.addIssue({ code: "custom", message: `unknown event type ${unknown.map((t) => `"${t}"`).join(", ")}; known types: ${EVENT_TYPES.join(", ")}` });
        return z.NEVER;
      }
      return types;
    })
    .openapi({ param: { name: "type", in: "query" }, description: "One type or several, comma-separated; all when absent", example: "stream.started" }),
  limit: limit(50),
});

const secretText = z
  .string()
  .min(16, "must be at least 16 characters long")
  .max(256, "must be at most 256 characters long");

const CommentFilterSchema = z
  .object({
    platforms: z.array(z.string().trim().min(1).max(40)).min(1).max(20).optional().openapi({ example: ["twitch", "youtube"] }),
    keyword: z.string().trim().min(1, "must not be empty").max(100).optional().openapi({ example: "!discord" }),
  })
  .refine((f) => f.platforms !== undefined || f.keyword !== undefined, "give platforms, keyword or both")
  .openapi("CommentFilter", { description: "Only for comment.received: any of these platforms, and/or the keyword anywhere in the text (case-insensitive)." });

export const CreateWebhookBody = z
  .object({
    kind: z.enum(["standard", "ifttt"]).default("standard").openapi({ description: "`standard`: the event is POSTed to `url`. `ifttt`: `{ value1, value2, value3 }` is POSTed to IFTTT Webhooks." }),
    url: z.string().min(1, "must not be empty").max(2048).optional().openapi({ example: "https://hooks.zapier.com/hooks/standard/123456/abcdef/" }),
    events: z
      .array(eventType)
      .min(1, "subscribe to at least one event type")
      .transform((types) => [...new Set(types)])
      .openapi({ example: ["stream.started", "destination.failed"] }),
    secret: secretText.optional().openapi({ description: "Signing secret; generated (and shown once) when absent." }),
    ifttt: z
      .object({
        event: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, "use letters, digits, - and _ only (the IFTTT applet's event name)"),
        key: z.string().regex(/^[A-Za-z0-9_-]{8,200}$/, "is not an IFTTT Webhooks key (letters, digits, - and _)"),
      })
      .optional()
      .openapi({ example: { event: "prism_live", key: "dK3…your-ifttt-key" } }),
    filter: CommentFilterSchema.optional(),
    description: z.string().trim().max(200).optional().openapi({ example: "Discord announcement via Zapier" }),
  })
  .superRefine((b, ctx) => {
    if (b.kind === "standard") {
      if (!b.url) ctx.addIssue({ code: "custom", path: ["url"], message: "is required for a standard webhook" });
      if (b.ifttt) ctx.addIssue({ code: "custom", path: ["ifttt"], message: "only applies to kind ifttt" });
    } else {
      if (!b.ifttt) ctx.addIssue({ code: "custom", path: ["ifttt"], message: "give the IFTTT event name and key for an ifttt webhook" });
      if (b.url) ctx.addIssue({ code: "custom", path: ["url"], message: "is not used by an ifttt webhook (Prism posts to IFTTT's trigger URL)" });
    }
    if (b.filter && !b.events.includes("comment.received")) {
      ctx.addIssue({ code: "custom", path: ["filter"], message: "only applies to comment.received; subscribe to it or drop the filter" });
    }
  })
  .openapi("CreateWebhook");

export const WebhookSchema = z
  .object({
    id: z.string(),
    kind: z.enum(["standard", "ifttt"]),
    url: z.string().nullable().openapi({ description: "In full only when created; afterwards its path is masked (it often carries a secret)." }),
    ifttt: z.object({ event: z.string(), key: z.string() }).nullable().openapi({ description: "The key in full only when created." }),
    events: z.array(eventType),
    filter: CommentFilterSchema.nullable(),
    description: z.string().nullable(),
    secret: z.string().openapi({ description: "HMAC signing secret. In full only when created; masked afterwards." }),
    createdAt: z.string(),
  })
  .openapi("Webhook");

export const WebhookParams = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" } }) });
export const DeliveryParams = WebhookParams.extend({ deliveryId: z.string().openapi({ param: { name: "deliveryId", in: "path" } }) });

export const DeliveriesQuery = z.object({
  limit: limit(50),
  status: z.enum(["pending", "delivered", "dead"]).optional().openapi({ param: { name: "status", in: "query" } }),
});

export const DeliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    status: z.enum(["pending", "delivered", "dead"]).openapi({ description: "`dead`: retries exhausted (or a failed test-fire); redeliver to try again." }),
    test: z.boolean(),
    nextAttemptAt: z.string().nullable(),
    giveUpAt: z.string(),
    lastStatusCode: z.number().nullable(),
    lastError: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    createdAt: z.string(),
    attempts: z.array(
      z.object({
        attempt: z.number(),
        at: z.string(),
        statusCode: z.number().nullable(),
        latencyMs: z.number(),
        error: z.string().nullable(),
      }),
    ),
    event: EventSchema,
  })
  .openapi("WebhookDelivery");

export const TestFireBody = z
  .object({ type: eventType.optional().openapi({ description: "Which example event to send; default the subscription's first type." }) })
  .openapi("WebhookTestFire");

export const ACTIONS = ["start-destination", "stop-destination", "toggle-destination", "send-comment"] as const;
export type ActionName = (typeof ACTIONS)[number];

export const CreateActionTokenBody = z
  .object({
    name: z.string().trim().min(1, "must not be empty").max(100),
    actions: z
      .array(z.enum(ACTIONS))
      .min(1, "allow at least one action")
      .transform((a) => [...new Set(a)])
      .default(["start-destination", "stop-destination", "toggle-destination"]),
  })
  .openapi("CreateActionToken");

export const ActionTokenSchema = z
  .object({
    id: z.string(),
    streamId: z.string(),
    name: z.string(),
    actions: z.array(z.enum(ACTIONS)),
    hint: z.string().openapi({ description: "The token's last four characters, to tell tokens apart" }),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
  })
  .openapi("ActionToken");

export const CreatedActionTokenSchema = ActionTokenSchema.extend({
  token: z.string().openapi({ description: "The token, in this answer only: it is stored as a hash." }),
  urls: z.record(z.string(), z.string()).openapi({ description: "The action URLs to paste into Zapier or IFTTT (POST, JSON body)." }),
}).openapi("CreatedActionToken");

export const ActionTokenParams = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" } }),
  tokenId: z.string().openapi({ param: { name: "tokenId", in: "path" } }),
});

export const ActionParams = z.object({
  actionToken: z.string().openapi({ param: { name: "actionToken", in: "path" }, description: "The action token (shown once when created)" }),
});

export const DestinationActionBody = z
  .object({
    destinationId: z.string().trim().min(1).optional(),
    destination: z.string().trim().min(1).max(100).optional().openapi({ description: "The destination's name (case-insensitive), instead of its id" }),
  })
  .refine((b) => (b.destinationId === undefined) !== (b.destination === undefined), "give either destinationId or destination (its name)")
  .openapi("DestinationAction", { example: { destination: "YouTube" } });

export const DestinationActionResult = z
  .object({
    action: z.enum(ACTIONS),
    streamId: z.string(),
    streamLive: z.boolean(),
    destination: z.object({
      id: z.string(),
      name: z.string(),
      enabled: z.boolean(),
      state: z.string().openapi({ description: "Its state right after the action (e.g. connecting, stopped, idle when the stream is not live)" }),
    }),
  })
  .openapi("DestinationActionResult");
