import { randomUUID } from "node:crypto";
import { and, asc, count, desc, eq, inArray, isNotNull, lt, lte, min, notInArray } from "drizzle-orm";
import type { Db } from "./client.js";
import { events, webhookAttempts, webhookDeliveries, webhookSubscriptions, type WebhookAttemptRow, type WebhookDeliveryRow } from "./schema/index.js";
import type { StoredEvent } from "./events-repo.js";

export type DeliveryStatus = "pending" | "delivered" | "dead";

export interface Delivery {
  id: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  /** The event exactly as it is sent (JSON). */
  payload: string;
  status: DeliveryStatus;
  test: boolean;
  attempts: number;
  nextAttemptAt: Date | null;
  giveUpAt: Date;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
  createdAt: Date;
}

export interface DeliveryAttempt {
  attempt: number;
  startedAt: Date;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

/** What became of a delivery after an attempt. */
export type AttemptOutcome =
  | { status: "delivered" }
  | { status: "pending"; nextAttemptAt: Date }
  | { status: "dead" };

/** The webhook outbox and its delivery log. */
export class WebhookDeliveriesRepo {
  constructor(private readonly db: Db) {}

  /**
   * Records events and one pending delivery per interested subscription, in one transaction: once
   * this returns, each event is in the log and will reach every subscriber even if Prism stops the
   * next instant.
   */
  publish(batch: Array<{ event: StoredEvent; payload: string; subscriptionIds: string[]; giveUpAt: Date }>): void {
    this.db.transaction((tx) => {
      // A subscription deleted since the event was routed just does not get it.
      const wanted = [...new Set(batch.flatMap((b) => b.subscriptionIds))];
      const existing = new Set(
        wanted.length === 0
          ? []
          : tx.select({ id: webhookSubscriptions.id }).from(webhookSubscriptions).where(inArray(webhookSubscriptions.id, wanted)).all().map((r) => r.id),
      );
      for (const { event, payload, subscriptionIds, giveUpAt } of batch) {
        const now = event.createdAt.getTime();
        tx.insert(events).values({ id: event.id, type: event.type, createdAt: now, data: event.data }).run();
        const targets = subscriptionIds.filter((id) => existing.has(id));
        if (targets.length === 0) continue;
        tx.insert(webhookDeliveries)
          .values(pendingDeliveryRows(event, payload, targets, giveUpAt))
          .run();
      }
    });
  }

  /** A test-fire: not due for the worker (the API sends it itself), not retried. */
  createTest(subscriptionId: string, eventId: string, eventType: string, payload: string): Delivery {
    const row = testDeliveryRow(subscriptionId, eventId, eventType, payload);
    this.db.insert(webhookDeliveries).values(row).run();
    return toDelivery(row);
  }

  /**
   * The oldest due delivery of each of up to `limit` subscriptions, skipping `busy` ones: one row per
   * receiver, so a receiver with a long backlog (or a slow one) never crowds the others out.
   */
  nextPerSubscription(now: Date, busy: string[], limit: number): Delivery[] {
    const due = and(eq(webhookDeliveries.status, "pending"), lte(webhookDeliveries.nextAttemptAt, now.getTime()));
    const heads = this.db
      .select({ subscriptionId: webhookDeliveries.subscriptionId, dueAt: min(webhookDeliveries.nextAttemptAt) })
      .from(webhookDeliveries)
      .where(busy.length > 0 ? and(due, notInArray(webhookDeliveries.subscriptionId, busy)) : due)
      .groupBy(webhookDeliveries.subscriptionId)
      .orderBy(asc(min(webhookDeliveries.nextAttemptAt)))
      .limit(limit)
      .all();
    return heads.flatMap(({ subscriptionId }) => {
      const row = this.db
        .select()
        .from(webhookDeliveries)
        .where(and(due, eq(webhookDeliveries.subscriptionId, subscriptionId)))
        .orderBy(asc(webhookDeliveries.nextAttemptAt), asc(webhookDeliveries.createdAt))
        .limit(1)
        .get();
      return row ? [toDelivery(row)] : [];
    });
  }

  /** When the earliest pending delivery outside `busy` subscriptions is due; null when none is waiting. */
  nextDueAt(busy: string[]): Date | null {
    const waiting = and(eq(webhookDeliveries.status, "pending"), isNotNull(webhookDeliveries.nextAttemptAt));
    const row = this.db
      .select({ at: min(webhookDeliveries.nextAttemptAt) })
      .from(webhookDeliveries)
      .where(busy.length > 0 ? and(waiting, notInArray(webhookDeliveries.subscriptionId, busy)) : waiting)
      .get();
    return row?.at == null ? null : new Date(row.at);
  }

  countPending(): number {
    return this.db.select({ n: count() }).from(webhookDeliveries).where(eq(webhookDeliveries.status, "pending")).get()?.n ?? 0;
  }

  /** Logs an attempt and moves the delivery on; false when the delivery is gone (its subscription was deleted). */
  recordAttempt(deliveryId: string, attempt: DeliveryAttempt, outcome: AttemptOutcome): boolean {
    const now = Date.now();
    return this.db.transaction((tx) => {
      const updated = tx
        .update(webhookDeliveries)
        .set(attemptColumns(attempt, outcome, now))
        .where(eq(webhookDeliveries.id, deliveryId))
        .run();
      if (updated.changes === 0) return false;
      tx.insert(webhookAttempts).values(attemptRow(deliveryId, attempt)).run();
      return true;
    });
  }

  get(subscriptionId: string, deliveryId: string): Delivery | undefined {
    const row = this.db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.subscriptionId, subscriptionId), eq(webhookDeliveries.id, deliveryId)))
      .get();
    return row && toDelivery(row);
  }

  /** Newest first. */
  list(subscriptionId: string, options: { limit: number; status?: DeliveryStatus }): Delivery[] {
    const bySubscription = eq(webhookDeliveries.subscriptionId, subscriptionId);
    return this.db
      .select()
      .from(webhookDeliveries)
      .where(options.status ? and(bySubscription, eq(webhookDeliveries.status, options.status)) : bySubscription)
      .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
      .limit(options.limit)
      .all()
      .map(toDelivery);
  }

  /** Every attempt of the given deliveries, oldest first, grouped by delivery id. */
  attempts(deliveryIds: string[]): Map<string, DeliveryAttempt[]> {
    const grouped = new Map<string, DeliveryAttempt[]>(deliveryIds.map((id) => [id, []]));
    if (deliveryIds.length === 0) return grouped;
    const rows = this.db
      .select()
      .from(webhookAttempts)
      .where(inArray(webhookAttempts.deliveryId, deliveryIds))
      .orderBy(asc(webhookAttempts.id))
      .all();
    for (const row of rows) grouped.get(row.deliveryId)?.push(toAttempt(row));
    return grouped;
  }

  /** Makes a delivery due now with a fresh retry horizon, whatever became of it before. */
  redeliver(subscriptionId: string, deliveryId: string, giveUpAt: Date): Delivery | undefined {
    const now = Date.now();
    this.db
      .update(webhookDeliveries)
      .set({ status: "pending", nextAttemptAt: now, giveUpAt: giveUpAt.getTime(), deliveredAt: null, updatedAt: now })
      .where(and(eq(webhookDeliveries.subscriptionId, subscriptionId), eq(webhookDeliveries.id, deliveryId)))
      .run();
    return this.get(subscriptionId, deliveryId);
  }

  /** Forgets finished deliveries (and their attempts) last touched before `before`. */
  prune(before: Date): number {
    return this.db
      .delete(webhookDeliveries)
      .where(and(inArray(webhookDeliveries.status, ["delivered", "dead"]), lt(webhookDeliveries.updatedAt, before.getTime())))
      .run().changes;
  }
}

/** Row builders and mappers below are shared with pg/webhook-deliveries-repo.ts. */
export function pendingDeliveryRows(event: StoredEvent, payload: string, subscriptionIds: string[], giveUpAt: Date) {
  const now = event.createdAt.getTime();
  return subscriptionIds.map((subscriptionId) => ({
    id: randomUUID(),
    subscriptionId,
    eventId: event.id,
    eventType: event.type,
    payload,
    status: "pending" as const,
    // Due from when it was recorded (the event's own time may lie in the past).
    nextAttemptAt: Date.now(),
    giveUpAt: giveUpAt.getTime(),
    createdAt: now,
    updatedAt: now,
  }));
}

export function testDeliveryRow(subscriptionId: string, eventId: string, eventType: string, payload: string): WebhookDeliveryRow {
  const now = Date.now();
  return {
    id: randomUUID(),
    subscriptionId,
    eventId,
    eventType,
    payload,
    status: "pending",
    test: true,
    attempts: 0,
    nextAttemptAt: null,
    giveUpAt: now,
    lastStatusCode: null,
    lastError: null,
    deliveredAt: null,
    createdAt: now,
    updatedAt: now,
  };
}

export function attemptColumns(attempt: DeliveryAttempt, outcome: AttemptOutcome, now: number): Partial<WebhookDeliveryRow> {
  return {
    status: outcome.status,
    attempts: attempt.attempt,
    nextAttemptAt: outcome.status === "pending" ? outcome.nextAttemptAt.getTime() : null,
    lastStatusCode: attempt.statusCode,
    lastError: attempt.error,
    deliveredAt: outcome.status === "delivered" ? now : null,
    updatedAt: now,
  };
}

export function attemptRow(deliveryId: string, attempt: DeliveryAttempt) {
  return { deliveryId, attempt: attempt.attempt, startedAt: attempt.startedAt.getTime(), statusCode: attempt.statusCode, latencyMs: attempt.latencyMs, error: attempt.error };
}

export function toDelivery(row: WebhookDeliveryRow): Delivery {
  return {
    id: row.id,
    subscriptionId: row.subscriptionId,
    eventId: row.eventId,
    eventType: row.eventType,
    payload: row.payload,
    status: row.status,
    test: row.test,
    attempts: row.attempts,
    nextAttemptAt: row.nextAttemptAt == null ? null : new Date(row.nextAttemptAt),
    giveUpAt: new Date(row.giveUpAt),
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    deliveredAt: row.deliveredAt == null ? null : new Date(row.deliveredAt),
    createdAt: new Date(row.createdAt),
  };
}

export function toAttempt(row: WebhookAttemptRow): DeliveryAttempt {
  return { attempt: row.attempt, startedAt: new Date(row.startedAt), statusCode: row.statusCode, latencyMs: row.latencyMs, error: row.error };
}
