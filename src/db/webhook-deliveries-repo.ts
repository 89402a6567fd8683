import { newRowId } from "./ids.js";
import { and, asc, count, desc, eq, gt, inArray, isNotNull, lt, lte, min, notInArray } from "drizzle-orm";
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

/** A delivery worker asking for work (see claimDue). */
export interface DeliveryClaim {
  /** Who claims: the node's id, stable across its restarts (see releaseClaims). */
  worker: string;
  now: Date;
  /** Until when the claimed rows are this worker's; past it, another worker sends them again. */
  until: Date;
  /** Subscriptions this worker is busy with outside the outbox (a test-fire being sent). */
  busy: string[];
  limit: number;
}

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
   * Claims for `worker`, until `until`, the oldest due delivery of each of up to `limit` subscriptions that no
   * worker is sending to now and that are not `busy` here: one row per receiver, so a receiver with a long
   * backlog (or a slow one) never crowds the others out, and one in flight per subscription cluster-wide, so each
   * receiver gets its events in order. A claim whose `claimUntil` passed (its worker died) no longer counts.
   * One SQLite file serves one process, whose synchronous transactions are serial: no lock is needed here.
   */
  claimDue(claim: DeliveryClaim): Delivery[] {
    const now = claim.now.getTime();
    return this.db.transaction((tx) => {
      const taken = [...claim.busy, ...claimedSubscriptions(tx, now)];
      const due = and(eq(webhookDeliveries.status, "pending"), lte(webhookDeliveries.nextAttemptAt, now));
      const heads = tx
        .select({ subscriptionId: webhookDeliveries.subscriptionId })
        .from(webhookDeliveries)
        .where(taken.length > 0 ? and(due, notInArray(webhookDeliveries.subscriptionId, taken)) : due)
        .groupBy(webhookDeliveries.subscriptionId)
        .orderBy(asc(min(webhookDeliveries.nextAttemptAt)), asc(webhookDeliveries.subscriptionId))
        .limit(claim.limit)
        .all();
      return heads.flatMap(({ subscriptionId }) => {
        const head = tx
          .select({ id: webhookDeliveries.id })
          .from(webhookDeliveries)
          .where(and(due, eq(webhookDeliveries.subscriptionId, subscriptionId)))
          .orderBy(asc(webhookDeliveries.nextAttemptAt), asc(webhookDeliveries.createdAt), asc(webhookDeliveries.id))
          .limit(1)
          .get();
        if (!head) return [];
        const row = tx.update(webhookDeliveries).set(claimColumns(claim)).where(eq(webhookDeliveries.id, head.id)).returning().get();
        return row ? [toDelivery(row)] : [];
      });
    });
  }

  /**
   * When the worker should look again, outside `busy` subscriptions: the earliest pending delivery of a
   * subscription nobody is sending to, or the earliest moment another worker's claim lapses (its worker
   * usually finishes first and sends the subscription's next rows itself). Null when nothing is waiting.
   */
  nextDueAt(now: Date, busy: string[]): Date | null {
    const at = now.getTime();
    const taken = [...busy, ...claimedSubscriptions(this.db, at)];
    const waiting = and(eq(webhookDeliveries.status, "pending"), isNotNull(webhookDeliveries.nextAttemptAt));
    const due = this.db
      .select({ at: min(webhookDeliveries.nextAttemptAt) })
      .from(webhookDeliveries)
      .where(taken.length > 0 ? and(waiting, notInArray(webhookDeliveries.subscriptionId, taken)) : waiting)
      .get()?.at;
    const claimed = gt(webhookDeliveries.claimUntil, at);
    const lapse = this.db
      .select({ at: min(webhookDeliveries.claimUntil) })
      .from(webhookDeliveries)
      .where(busy.length > 0 ? and(claimed, notInArray(webhookDeliveries.subscriptionId, busy)) : claimed)
      .get()?.at;
    return earliest(due, lapse);
  }

  /** Gives back every claim `worker` holds (it stopped, or it starts again after dying): those rows are due again at once. */
  releaseClaims(worker: string): number {
    return this.db.update(webhookDeliveries).set(RELEASED).where(eq(webhookDeliveries.claimedBy, worker)).run().changes;
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

/** Subscriptions some worker is sending to now (an unexpired claim). */
function claimedSubscriptions(db: Pick<Db, "selectDistinct">, now: number): string[] {
  return db
    .selectDistinct({ id: webhookDeliveries.subscriptionId })
    .from(webhookDeliveries)
    .where(gt(webhookDeliveries.claimUntil, now))
    .all()
    .map((r) => r.id);
}

/** Row builders and mappers below are shared with pg/webhook-deliveries-repo.ts. */
export const RELEASED = { claimedBy: null, claimUntil: null };

export function claimColumns(claim: DeliveryClaim) {
  return { claimedBy: claim.worker, claimUntil: claim.until.getTime() };
}

/** The earlier of two optional instants. */
export function earliest(a: number | null | undefined, b: number | null | undefined): Date | null {
  const times = [a, b].filter((t): t is number => t != null);
  return times.length === 0 ? null : new Date(Math.min(...times));
}

export function pendingDeliveryRows(event: StoredEvent, payload: string, subscriptionIds: string[], giveUpAt: Date) {
  const now = event.createdAt.getTime();
  return subscriptionIds.map((subscriptionId) => ({
    id: newRowId(),
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
    id: newRowId(),
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
    claimedBy: null,
    claimUntil: null,
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
    // The attempt is over: the subscription's next delivery may go, from any worker.
    ...RELEASED,
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
