import { and, asc, count, desc, eq, inArray, isNotNull, lt, lte, min, notInArray, sql } from "drizzle-orm";
import type { PgDb } from "./client.js";
import { events, webhookAttempts, webhookDeliveries, webhookSubscriptions } from "../schema-pg/index.js";
import type { WebhookDeliveriesStore } from "../store.js";
import type { StoredEvent } from "../events-repo.js";
import {
  attemptColumns,
  attemptRow,
  pendingDeliveryRows,
  testDeliveryRow,
  toAttempt,
  toDelivery,
  type AttemptOutcome,
  type Delivery,
  type DeliveryAttempt,
  type DeliveryStatus,
} from "../webhook-deliveries-repo.js";

/**
 * The transaction-level advisory lock publish holds ("evts" in ASCII). events.seq comes from an identity, which
 * hands out numbers at insert, not at commit: two nodes publishing at once could commit 12 before 11, and a
 * client reading `GET /events?after=11` in between would never see 11. Holding this lock to commit makes the
 * numbers commit in order.
 */
export const EVENTS_SEQ_LOCK = 0x65767473;

/** The webhook outbox and its delivery log in PostgreSQL (see WebhookDeliveriesRepo). */
export class PgWebhookDeliveriesRepo implements WebhookDeliveriesStore {
  constructor(private readonly db: PgDb) {}

  async publish(batch: Array<{ event: StoredEvent; payload: string; subscriptionIds: string[]; giveUpAt: Date }>): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${EVENTS_SEQ_LOCK})`);
      const wanted = [...new Set(batch.flatMap((b) => b.subscriptionIds))];
      const found = wanted.length === 0 ? [] : await tx.select({ id: webhookSubscriptions.id }).from(webhookSubscriptions).where(inArray(webhookSubscriptions.id, wanted));
      const existing = new Set(found.map((r) => r.id));
      for (const { event, payload, subscriptionIds, giveUpAt } of batch) {
        await tx.insert(events).values({ id: event.id, type: event.type, createdAt: event.createdAt.getTime(), data: event.data });
        const targets = subscriptionIds.filter((id) => existing.has(id));
        if (targets.length > 0) await tx.insert(webhookDeliveries).values(pendingDeliveryRows(event, payload, targets, giveUpAt));
      }
    });
  }

  async createTest(subscriptionId: string, eventId: string, eventType: string, payload: string): Promise<Delivery> {
    const row = testDeliveryRow(subscriptionId, eventId, eventType, payload);
    await this.db.insert(webhookDeliveries).values(row);
    return toDelivery(row);
  }

  async nextPerSubscription(now: Date, busy: string[], limit: number): Promise<Delivery[]> {
    const due = and(eq(webhookDeliveries.status, "pending"), lte(webhookDeliveries.nextAttemptAt, now.getTime()));
    const heads = await this.db
      .select({ subscriptionId: webhookDeliveries.subscriptionId })
      .from(webhookDeliveries)
      .where(busy.length > 0 ? and(due, notInArray(webhookDeliveries.subscriptionId, busy)) : due)
      .groupBy(webhookDeliveries.subscriptionId)
      .orderBy(asc(min(webhookDeliveries.nextAttemptAt)), asc(webhookDeliveries.subscriptionId))
      .limit(limit);
    const next: Delivery[] = [];
    for (const { subscriptionId } of heads) {
      const [row] = await this.db
        .select()
        .from(webhookDeliveries)
        .where(and(due, eq(webhookDeliveries.subscriptionId, subscriptionId)))
        .orderBy(asc(webhookDeliveries.nextAttemptAt), asc(webhookDeliveries.createdAt), asc(webhookDeliveries.id))
        .limit(1);
      if (row) next.push(toDelivery(row));
    }
    return next;
  }

  async nextDueAt(busy: string[]): Promise<Date | null> {
    const waiting = and(eq(webhookDeliveries.status, "pending"), isNotNull(webhookDeliveries.nextAttemptAt));
    const [row] = await this.db
      .select({ at: min(webhookDeliveries.nextAttemptAt) })
      .from(webhookDeliveries)
      .where(busy.length > 0 ? and(waiting, notInArray(webhookDeliveries.subscriptionId, busy)) : waiting);
    return row?.at == null ? null : new Date(row.at);
  }

  async countPending(): Promise<number> {
    const [row] = await this.db.select({ n: count() }).from(webhookDeliveries).where(eq(webhookDeliveries.status, "pending"));
    return row?.n ?? 0;
  }

  async recordAttempt(deliveryId: string, attempt: DeliveryAttempt, outcome: AttemptOutcome): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const updated = await tx
        .update(webhookDeliveries)
        .set(attemptColumns(attempt, outcome, Date.now()))
        .where(eq(webhookDeliveries.id, deliveryId))
        .returning({ id: webhookDeliveries.id });
      if (updated.length === 0) return false;
      await tx.insert(webhookAttempts).values(attemptRow(deliveryId, attempt));
      return true;
    });
  }

  async get(subscriptionId: string, deliveryId: string): Promise<Delivery | undefined> {
    const [row] = await this.db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.subscriptionId, subscriptionId), eq(webhookDeliveries.id, deliveryId)));
    return row && toDelivery(row);
  }

  async list(subscriptionId: string, options: { limit: number; status?: DeliveryStatus }): Promise<Delivery[]> {
    const bySubscription = eq(webhookDeliveries.subscriptionId, subscriptionId);
    const rows = await this.db
      .select()
      .from(webhookDeliveries)
      .where(options.status ? and(bySubscription, eq(webhookDeliveries.status, options.status)) : bySubscription)
      .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
      .limit(options.limit);
    return rows.map(toDelivery);
  }

  async attempts(deliveryIds: string[]): Promise<Map<string, DeliveryAttempt[]>> {
    const grouped = new Map<string, DeliveryAttempt[]>(deliveryIds.map((id) => [id, []]));
    if (deliveryIds.length === 0) return grouped;
    const rows = await this.db.select().from(webhookAttempts).where(inArray(webhookAttempts.deliveryId, deliveryIds)).orderBy(asc(webhookAttempts.id));
    for (const row of rows) grouped.get(row.deliveryId)?.push(toAttempt(row));
    return grouped;
  }

  async redeliver(subscriptionId: string, deliveryId: string, giveUpAt: Date): Promise<Delivery | undefined> {
    const now = Date.now();
    const [row] = await this.db
      .update(webhookDeliveries)
      .set({ status: "pending", nextAttemptAt: now, giveUpAt: giveUpAt.getTime(), deliveredAt: null, updatedAt: now })
      .where(and(eq(webhookDeliveries.subscriptionId, subscriptionId), eq(webhookDeliveries.id, deliveryId)))
      .returning();
    return row && toDelivery(row);
  }

  async prune(before: Date): Promise<number> {
    const gone = await this.db
      .delete(webhookDeliveries)
      .where(and(inArray(webhookDeliveries.status, ["delivered", "dead"]), lt(webhookDeliveries.updatedAt, before.getTime())))
      .returning({ id: webhookDeliveries.id });
    return gone.length;
  }
}
