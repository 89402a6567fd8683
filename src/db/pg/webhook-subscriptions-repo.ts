import { asc, eq } from "drizzle-orm";
import type { PgDb } from "./client.js";
import { webhookSubscriptions } from "../schema-pg/index.js";
import type { SecretBox } from "../../secrets/secret-box.js";
import type { WebhookSubscriptionsStore } from "../store.js";
import { subscriptionOf, subscriptionRow, type NewWebhookSubscription, type SubscriptionRoute, type WebhookSubscription } from "../webhook-subscriptions-repo.js";

/**
 * Webhook subscriptions in PostgreSQL (see WebhookSubscriptionsRepo). routes() is read from the table each time,
 * not cached as on SQLite: another node may add or delete a subscription, and a cache cleared only by this
 * node's writes would route its events to a deleted subscription or miss a new one. It is one small indexed
 * read per batch of events.
 */
export class PgWebhookSubscriptionsRepo implements WebhookSubscriptionsStore {
  constructor(
    private readonly db: PgDb,
    private readonly box: SecretBox,
  ) {}

  async create(input: NewWebhookSubscription): Promise<WebhookSubscription> {
    const row = subscriptionRow(input, this.box);
    await this.db.insert(webhookSubscriptions).values(row);
    return subscriptionOf(row, this.box);
  }

  async list(): Promise<WebhookSubscription[]> {
    const rows = await this.db.select().from(webhookSubscriptions).orderBy(asc(webhookSubscriptions.createdAt), asc(webhookSubscriptions.id));
    return rows.map((r) => subscriptionOf(r, this.box));
  }

  async routes(): Promise<ReadonlyArray<SubscriptionRoute>> {
    const rows = await this.db
      .select({ id: webhookSubscriptions.id, eventTypes: webhookSubscriptions.eventTypes, filter: webhookSubscriptions.filter })
      .from(webhookSubscriptions)
      .orderBy(asc(webhookSubscriptions.createdAt), asc(webhookSubscriptions.id));
    return rows.map((r) => ({ ...r, filter: r.filter ?? null }));
  }

  async get(id: string): Promise<WebhookSubscription | undefined> {
    const [row] = await this.db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, id));
    return row && subscriptionOf(row, this.box);
  }

  async delete(id: string): Promise<boolean> {
    const gone = await this.db.delete(webhookSubscriptions).where(eq(webhookSubscriptions.id, id)).returning({ id: webhookSubscriptions.id });
    return gone.length > 0;
  }
}
