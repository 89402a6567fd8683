import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";
import { streams } from "./relay.js";

// Same portability rules as relay.ts: text ids, integer millisecond timestamps, JSON in text columns.

/** Every event Prism announced, newest last; what `GET /api/v1/events` (Zapier polling) reads. */
export const events = sqliteTable(
  "events",
  {
    /** Insertion order: several events can share a millisecond, "newest first" must still be exact. */
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    id: text("id").notNull().unique(),
    type: text("type").notNull(),
    createdAt: integer("created_at").notNull(),
    data: text("data", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
  },
  (t) => [index("events_type_seq_idx").on(t.type, t.seq), index("events_created_at_idx").on(t.createdAt)],
);

export const webhookSubscriptions = sqliteTable("webhook_subscriptions", {
  id: text("id").primaryKey(),
  kind: text("kind", { enum: ["standard", "ifttt"] }).notNull(),
  /** Target URLs often carry a capability in their path (Zapier, Discord), so they are encrypted too. */
  urlEnc: text("url_enc"),
  iftttEvent: text("ifttt_event"),
  iftttKeyEnc: text("ifttt_key_enc"),
  eventTypes: text("event_types", { mode: "json" }).notNull().$type<string[]>(),
  filter: text("filter", { mode: "json" }).$type<{ platforms?: string[]; keyword?: string }>(),
  secretEnc: text("secret_enc").notNull(),
  description: text("description"),
  createdAt: integer("created_at").notNull(),
});

/**
 * The outbox: one row per (subscription, event) to deliver. Written in the same transaction as the
 * event itself, so an event Prism announced is never lost to a crash or a restart.
 */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    subscriptionId: text("subscription_id")
      .notNull()
      .references(() => webhookSubscriptions.id, { onDelete: "cascade" }),
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    /** The event as sent; kept here so pruning the event log never loses a pending delivery. */
    payload: text("payload").notNull(),
    status: text("status", { enum: ["pending", "delivered", "dead"] }).notNull(),
    /** A test-fire from the API: tried once, never retried, not in the event log. */
    test: integer("test", { mode: "boolean" }).notNull().default(false),
    attempts: integer("attempts").notNull().default(0),
    /** Null while nobody should pick the row up (finished, or a test-fire being sent right now). */
    nextAttemptAt: integer("next_attempt_at"),
    /** Retries stop here and the delivery is dead-lettered; a manual redeliver moves it. */
    giveUpAt: integer("give_up_at").notNull(),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    deliveredAt: integer("delivered_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    /**
     * The delivery worker sending it now (any node of a cluster): while claimUntil is ahead nobody else sends
     * this row or any other of its subscription. Recording the attempt clears it; a claim left by a dead node
     * lapses at claimUntil and the row is sent again.
     */
    claimedBy: text("claimed_by"),
    claimUntil: integer("claim_until"),
  },
  (t) => [
    index("webhook_deliveries_due_idx").on(t.status, t.nextAttemptAt),
    index("webhook_deliveries_subscription_idx").on(t.subscriptionId, t.createdAt),
  ],
);

/** One row per HTTP request made for a delivery: the delivery log. */
export const webhookAttempts = sqliteTable(
  "webhook_attempts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    deliveryId: text("delivery_id")
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    startedAt: integer("started_at").notNull(),
    statusCode: integer("status_code"),
    latencyMs: integer("latency_ms").notNull(),
    error: text("error"),
  },
  (t) => [index("webhook_attempts_delivery_idx").on(t.deliveryId)],
);

/** Token-in-URL credentials for automation actions, scoped to one stream and a set of actions. */
export const actionTokens = sqliteTable(
  "action_tokens",
  {
    id: text("id").primaryKey(),
    streamId: text("stream_id")
      .notNull()
      .references(() => streams.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** Keyed hash only: the token is shown once and cannot be recovered from the database. */
    tokenHash: text("token_hash").notNull().unique(),
    /** Last characters, so a list can tell tokens apart without showing them. */
    tokenHint: text("token_hint").notNull(),
    actions: text("actions", { mode: "json" }).notNull().$type<string[]>(),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at"),
  },
  (t) => [index("action_tokens_stream_id_idx").on(t.streamId)],
);

export type EventRow = typeof events.$inferSelect;
export type WebhookSubscriptionRow = typeof webhookSubscriptions.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type WebhookAttemptRow = typeof webhookAttempts.$inferSelect;
export type ActionTokenRow = typeof actionTokens.$inferSelect;
