import type { z } from "@hono/zod-openapi";
import type { DestinationSchema, StreamHealthSchema, StreamSchema } from "../api/schemas.js";
import type { CreatedTokenSchema, TokenSchema } from "../api/token-schemas.js";
import type { SessionReportSchema } from "../api/session-schemas.js";
import type { MediaSchema } from "../api/media-schemas.js";
import type { ScheduledEventSchema } from "../api/schedule-schemas.js";
import type { DeliverySchema, EventSchema, WebhookSchema } from "../api/webhook-schemas.js";

// The CLI speaks the same API as everyone else; its types come from the API's own schemas.
export type Stream = z.infer<typeof StreamSchema>;
export type Destination = z.infer<typeof DestinationSchema>;
export type StreamHealth = z.infer<typeof StreamHealthSchema>;
export type Token = z.infer<typeof TokenSchema>;
export type CreatedToken = z.infer<typeof CreatedTokenSchema>;
export type SessionReport = z.infer<typeof SessionReportSchema>;
export type Media = z.infer<typeof MediaSchema>;
export type ScheduledEvent = z.infer<typeof ScheduledEventSchema>;
export type Webhook = z.infer<typeof WebhookSchema>;
export type Delivery = z.infer<typeof DeliverySchema>;
export type PrismEventView = z.infer<typeof EventSchema>;
