import { and, asc, count, desc, eq, exists, gt, inArray, isNotNull, lt, lte, min, notExists, notInArray, sql } from "drizzle-orm";
import { alias, type AnyPgColumn } from "drizzle-orm/pg-core";
import type { PgDb } from "./client.js";
import { events, webhookAttempts, webhookDeliveries, webhookSubscriptions } from "../schema-pg/index.js";
import type { WebhookDeliveriesStore } from "../store.js";
import type { StoredEvent } from "../events-repo.js";
import {
  attemptColumns,
  attemptRow,
  claimColumns,
  earliest,
  RELEASED,
  type DeliveryClaim,
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

/** The outbox again, for subqueries about a subscription's other rows. */
const other = alias(webhookDeliveries, "other");

type Tx = Pick<PgDb, "select">;

/** Pending and due now (a row whose claim lapsed is due again). */
const isDue = (now: number) => and(eq(other.status, "pending"), lte(other.nextAttemptAt, now));

/** The subscription (a column of the outer query) has a row due now. */
const dueOf = (tx: Tx, subscription: AnyPgColumn, now: number) => tx.select({ one: sql`1` }).from(other).where(and(eq(other.subscriptionId, subscription), isDue(now)));

/** The subscription (a column of the outer query) has a row some worker is sending now. */
const claimOf = (tx: Tx, subscription: AnyPgColumn, now: number) => tx.select({ one: sql`1` }).from(other).where(and(eq(other.subscriptionId, subscription), gt(other.claimUntil, now)));

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

  /**
   * See WebhookDeliveriesRepo.claimDue. Here any node may claim at once, so the subscription row is the lock:
   * due subscriptions are locked FOR NO KEY UPDATE SKIP LOCKED (two claimers never wait for nor share one; a
   * publisher's foreign-key check, FOR KEY SHARE, is not blocked), then, in a second statement that sees every
   * claim committed before the lock was granted, each one's oldest due row is claimed unless a worker holds one.
   */
  async claimDue(claim: DeliveryClaim): Promise<Delivery[]> {
    const now = claim.now.getTime();
    const rows = await this.db.transaction(async (tx) => {
      const locked = await tx
        .select({ id: webhookSubscriptions.id })
        .from(webhookSubscriptions)
        .where(and(claim.busy.length > 0 ? notInArray(webhookSubscriptions.id, claim.busy) : undefined, exists(dueOf(tx, webhookSubscriptions.id, now)), notExists(claimOf(tx, webhookSubscriptions.id, now))))
        .orderBy(sql`(${tx.select({ at: min(other.nextAttemptAt) }).from(other).where(and(eq(other.subscriptionId, webhookSubscriptions.id), isDue(now)))})`, asc(webhookSubscriptions.id))
        .limit(claim.limit)
        .for("no key update", { of: webhookSubscriptions, skipLocked: true });
      if (locked.length === 0) return [];
      const heads = tx
        .selectDistinctOn([webhookDeliveries.subscriptionId], { id: webhookDeliveries.id })
        .from(webhookDeliveries)
        .where(and(inArray(webhookDeliveries.subscriptionId, locked.map((s) => s.id)), eq(webhookDeliveries.status, "pending"), lte(webhookDeliveries.nextAttemptAt, now)))
        .orderBy(asc(webhookDeliveries.subscriptionId), asc(webhookDeliveries.nextAttemptAt), asc(webhookDeliveries.createdAt), asc(webhookDeliveries.id));
      return tx
        .update(webhookDeliveries)
        .set(claimColumns(claim))
        .where(and(inArray(webhookDeliveries.id, heads), notExists(claimOf(tx, webhookDeliveries.subscriptionId, now))))
        .returning();
    });
    return rows.sort((a, b) => a.nextAttemptAt! - b.nextAttemptAt! || a.createdAt - b.createdAt || a.subscriptionId.localeCompare(b.subscriptionId)).map(toDelivery);
  }

  async nextDueAt(now: Date, busy: string[]): Promise<Date | null> {
    const at = now.getTime();
    const notBusy = busy.length > 0 ? notInArray(webhookDeliveries.subscriptionId, busy) : undefined;
    const [due] = await this.db
      .select({ at: min(webhookDeliveries.nextAttemptAt) })
      .from(webhookDeliveries)
      .where(
        and(
          eq(webhookDeliveries.status, "pending"),
          isNotNull(webhookDeliveries.nextAttemptAt),
          notBusy,
          notExists(claimOf(this.db, webhookDeliveries.subscriptionId, at)),
        ),
      );
    const [lapse] = await this.db
      .select({ at: min(webhookDeliveries.claimUntil) })
      .from(webhookDeliveries)
      .where(and(gt(webhookDeliveries.claimUntil, at), notBusy));
    return earliest(due?.at, lapse?.at);
  }

  async releaseClaims(worker: string): Promise<number> {
    const released = await this.db.update(webhookDeliveries).set(RELEASED).where(eq(webhookDeliveries.claimedBy, worker)).returning({ id: webhookDeliveries.id });
    return released.length;
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
