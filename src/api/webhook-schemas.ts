import { z } from "@hono/zod-openapi";
import { EVENT_TYPES, catalog, type EventType } from "../webhooks/catalog.js";
import { examplePlatform, otherExamplePlatform } from "./platform-examples.js";

const eventType = z.enum(EVENT_TYPES);

// Examples for the API reference; the OpenAPI test checks each one against its own schema. They
// tell one story: the stream and destination of the event catalog's examples, a Zapier
// subscription, an IFTTT one and an action token. Secrets are shortened with "…" so that none of
// them can be mistaken for (or used as) a real one.
const streamId = catalog["stream.started"].example.streamId;
const destination = { id: catalog["destination.live"].example.destinationId, name: catalog["destination.live"].example.destinationName };
const zapierUrl = "https://hooks.zapier.com/hooks/standard/123456/abcdef/";

const eventExample = (type: EventType, id: string, createdAt: string) => ({ id, type, createdAt, data: catalog[type].example as Record<string, unknown> });
const startedEvent = eventExample("stream.started", "evt_6f1d0c9a2b3e4f5a8b7c6d5e4f3a2b1c", "2025-06-06T19:00:02.114Z");
const liveEvent = eventExample("destination.live", "evt_0b8e2d4f6a1c3e5b7d9f1a3c5e7b9d2f", "2025-06-06T19:00:04.871Z");
const failedEvent = eventExample("destination.failed", "evt_a3c5e7b9d1f2a4c6e8b0d2f4a6c8e0b1", "2025-06-06T20:05:11.512Z");

/** The catalog as GET /events/types answers it: every type, what it means, an example event. */
export const eventTypeCatalog = EVENT_TYPES.map((type) => ({
  type,
  description: catalog[type].description,
  example: eventExample(type, "evt_0123456789abcdef0123456789abcdef", "2025-06-06T19:00:02.114Z"),
}));

/** A standard subscription as listed (URL path and secret masked), and as created (in full, once). */
const zapierWebhook = {
  id: "c2a7e5d1-8f3b-4a6c-9e0d-1b2f3a4c5d6e",
  kind: "standard" as const,
  url: "https://hooks.zapier.com/…def/",
  ifttt: null,
  events: ["stream.started" as const, "destination.failed" as const],
  filter: null,
  description: "Discord announcement via Zapier",
  secret: "••••••••3f9K",
  createdAt: "2025-06-06T18:30:12.402Z",
};
export const createdWebhookExample = { ...zapierWebhook, url: zapierUrl, secret: "prism_whsec_q7Vd…3f9K" };
const iftttWebhook = {
  id: "5e9b1d3f-7a2c-4e6b-8d0f-2a4c6e8b0d1f",
  kind: "ifttt" as const,
  url: null,
  ifttt: { event: "prism_chat", key: "••••••••Xy4w" },
  events: ["comment.received" as const],
  filter: { platforms: [examplePlatform.id, otherExamplePlatform.id], keyword: "!discord" },
  description: "Phone notification when chat asks for the Discord",
  secret: "••••••••Rt8e",
  createdAt: "2025-06-06T18:41:55.730Z",
};
export const webhookListExample = [zapierWebhook, iftttWebhook];

/** A delivery that went through at the second attempt, after the receiver's 503. */
const deliveryExample = {
  id: "8d2f4b6a-1c3e-4a5b-9c7d-0e1f2a3b4c5d",
  eventId: failedEvent.id,
  eventType: failedEvent.type,
  status: "delivered" as const,
  test: false,
  nextAttemptAt: null,
  giveUpAt: "2025-06-07T20:05:11.512Z",
  lastStatusCode: 200,
  lastError: null,
  deliveredAt: "2025-06-06T20:05:16.571Z",
  createdAt: "2025-06-06T20:05:11.512Z",
  attempts: [
    { attempt: 1, at: "2025-06-06T20:05:11.530Z", statusCode: 503, latencyMs: 212, error: "The receiver answered HTTP 503." },
    { attempt: 2, at: "2025-06-06T20:05:16.384Z", statusCode: 200, latencyMs: 187, error: null },
  ],
  event: failedEvent,
};
/** A test-fire, answered at once. */
export const testFireExample = {
  id: "1f3a5c7e-9b2d-4f6a-8c0e-3b5d7f9a1c2e",
  eventId: "evt_d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4",
  eventType: "stream.started" as const,
  status: "delivered" as const,
  test: true,
  nextAttemptAt: null,
  giveUpAt: "2025-06-06T18:31:40.208Z",
  lastStatusCode: 200,
  lastError: null,
  deliveredAt: "2025-06-06T18:31:40.519Z",
  createdAt: "2025-06-06T18:31:40.208Z",
  attempts: [{ attempt: 1, at: "2025-06-06T18:31:40.211Z", statusCode: 200, latencyMs: 305, error: null }],
  event: eventExample("stream.started", "evt_d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4", "2025-06-06T18:31:40.207Z"),
};
/** A failed (so dead-lettered) test-fire sent again: pending, due now, with a fresh retry period and its history. */
export const redeliveredExample = {
  ...testFireExample,
  id: "6b8d0f2a-4c6e-4b8a-9d1f-3e5a7c9b1d3f",
  eventId: "evt_9e1a3c5b7d0f2e4a6c8b0d2f4e6a8c1b",
  createdAt: "2025-06-06T18:30:20.880Z",
  giveUpAt: "2025-06-07T18:31:02.044Z",
  status: "pending" as const,
  nextAttemptAt: "2025-06-06T18:31:02.044Z",
  lastStatusCode: null,
  lastError: "No answer within 10 s.",
  deliveredAt: null,
  attempts: [{ attempt: 1, at: "2025-06-06T18:30:20.884Z", statusCode: null, latencyMs: 10_003, error: "No answer within 10 s." }],
  event: eventExample("stream.started", "evt_9e1a3c5b7d0f2e4a6c8b0d2f4e6a8c1b", "2025-06-06T18:30:20.879Z"),
};

export const EventSchema = z
  .object({
    id: z.string().openapi({ example: "evt_6f1d0c9a2b3e4f5a8b7c6d5e4f3a2b1c" }),
    type: eventType,
    createdAt: z.string().openapi({ example: "2025-06-06T19:00:02.114Z" }),
    data: z.record(z.string(), z.unknown()).openapi({ example: catalog["stream.started"].example }),
  })
  .openapi("Event", { description: "Every event, everywhere (webhook bodies, the event log), has this shape.", example: startedEvent });

/** GET /events, newest first. */
export const eventListExample = [liveEvent, startedEvent];

export const EventTypeSchema = z
  .object({ type: eventType, description: z.string(), example: EventSchema })
  .openapi("EventType", { example: eventTypeCatalog[0] });

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
    platforms: z.array(z.string().trim().min(1).max(40)).min(1).max(20).optional().openapi({ example: [examplePlatform.id, otherExamplePlatform.id] }),
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
  .openapi("CreateWebhook", { example: { kind: "standard", url: zapierUrl, events: ["stream.started", "destination.failed"], description: "Discord announcement via Zapier" } });

export const WebhookSchema = z
  .object({
    id: z.string(),
    kind: z.enum(["standard", "ifttt"]),
    url: z.string().nullable().openapi({ description: "In full only when created; afterwards its path is masked (it often carries a secret)." }),
    ifttt: z.object({ event: z.string(), key: z.string() }).nullable().openapi({ description: "The key in full only when created." }),
    events: z.array(eventType),
    // Not .nullable(): that made the shared CommentFilter component itself nullable, so the document
    // said a new subscription's filter may be null, which the API refuses.
    filter: z.union([CommentFilterSchema, z.null()]),
    description: z.string().nullable(),
    secret: z.string().openapi({ description: "HMAC signing secret. In full only when created; masked afterwards." }),
    createdAt: z.string(),
  })
  .openapi("Webhook", { example: zapierWebhook });

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
  .openapi("WebhookDelivery", { example: deliveryExample });

export const TestFireBody = z
  .object({ type: eventType.optional().openapi({ description: "Which example event to send; default the subscription's first type." }) })
  .openapi("WebhookTestFire", { example: { type: "stream.started" } });

/** clip-live and add-marker: "clip that" and a marker on the live recording (issue #16), e.g. from a Stream Deck. */
export const ACTIONS = ["start-destination", "stop-destination", "toggle-destination", "send-comment", "clip-live", "add-marker", "start-event", "cancel-event"] as const;
export type ActionName = (typeof ACTIONS)[number];
/** The actions that enable or disable a destination. */
export const DESTINATION_ACTIONS = ["start-destination", "stop-destination", "toggle-destination"] as const;
/** The actions on the stream's scheduled events (issue #18). */
export const EVENT_ACTIONS = ["start-event", "cancel-event"] as const;

export const EventActionBody = z
  .object({
    eventId: z.string().regex(/^sev_[0-9a-f]{32}$/, "not a scheduled event's id (sev_ and 32 hex digits)").optional().openapi({
      description: "The event; left out: the stream's next event still scheduled",
    }),
  })
  .openapi("EventAction", { example: { eventId: "sev_4b1e0c9d2a3f4e5d8c7b6a5f4e3d2c1b" } });

export const CreateActionTokenBody = z
  .object({
    name: z.string().trim().min(1, "must not be empty").max(100),
    actions: z
      .array(z.enum(ACTIONS))
      .min(1, "allow at least one action")
      .transform((a) => [...new Set(a)])
      .default(["start-destination", "stop-destination", "toggle-destination"]),
  })
  .openapi("CreateActionToken", { example: { name: "Zapier: backup on/off", actions: ["start-destination", "stop-destination"] } });

const actionTokenExample = {
  id: "7c3e9a1f-2b4d-4e6f-8a0b-1c2d3e4f5a6b",
  streamId,
  name: "Zapier: backup on/off",
  actions: ["start-destination" as const, "stop-destination" as const],
  hint: "8kPq",
  createdAt: "2025-06-06T18:35:20.118Z",
  lastUsedAt: "2025-06-06T20:06:02.940Z",
};
const actionToken = "prism_act_Vn3x…8kPq";
const actionBase = `https://prism.example.com/api/v1/actions/${actionToken}`;

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
  .openapi("ActionToken", { example: actionTokenExample });

export const CreatedActionTokenSchema = ActionTokenSchema.extend({
  token: z.string().openapi({ description: "The token, in this answer only: it is stored as a hash." }),
  urls: z.record(z.string(), z.string()).openapi({ description: "The action URLs to paste into Zapier or IFTTT (POST, JSON body)." }),
}).openapi("CreatedActionToken", {
  example: {
    ...actionTokenExample,
    lastUsedAt: null,
    token: actionToken,
    urls: { "start-destination": `${actionBase}/start-destination`, "stop-destination": `${actionBase}/stop-destination` },
  },
});

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
  .openapi("DestinationAction", { example: { destination: destination.name } });

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
  .openapi("DestinationActionResult", { example: destinationActionExample("stop-destination") });

/** What an action answers: here on the catalog's destination while the stream is live (toggle: it was disabled). */
export function destinationActionExample(action: (typeof DESTINATION_ACTIONS)[number]) {
  const enabled = action !== "stop-destination";
  return { action, streamId, streamLive: true, destination: { ...destination, enabled, state: enabled ? "connecting" : "stopped" } };
}
