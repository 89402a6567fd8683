import { newRowId } from "./ids.js";
import { asc, eq } from "drizzle-orm";
import type { Db } from "./client.js";
import { webhookSubscriptions, type WebhookSubscriptionRow } from "./schema/index.js";
import type { SecretBox } from "../secrets/secret-box.js";

export interface CommentFilter {
  platforms?: string[];
  keyword?: string;
}

interface SubscriptionBase {
  id: string;
  eventTypes: string[];
  filter: CommentFilter | null;
  secret: string;
  description: string | null;
  createdAt: Date;
}

export type WebhookSubscription =
  | (SubscriptionBase & { kind: "standard"; url: string })
  | (SubscriptionBase & { kind: "ifttt"; ifttt: { event: string; key: string } });

export type NewWebhookSubscription =
  | (Omit<SubscriptionBase, "id" | "createdAt"> & { kind: "standard"; url: string })
  | (Omit<SubscriptionBase, "id" | "createdAt"> & { kind: "ifttt"; ifttt: { event: string; key: string } });

export interface SubscriptionRoute {
  id: string;
  eventTypes: string[];
  filter: CommentFilter | null;
}

/** Webhook subscriptions; target URL, IFTTT key and signing secret are encrypted at rest. */
export class WebhookSubscriptionsRepo {
  private routeCache: SubscriptionRoute[] | null = null;

  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {}

  create(input: NewWebhookSubscription): WebhookSubscription {
    const row = subscriptionRow(input, this.box);
    this.db.insert(webhookSubscriptions).values(row).run();
    this.routeCache = null;
    return this.toSubscription(row);
  }

  list(): WebhookSubscription[] {
    return this.db
      .select()
      .from(webhookSubscriptions)
      .orderBy(asc(webhookSubscriptions.createdAt), asc(webhookSubscriptions.id))
      .all()
      .map((r) => this.toSubscription(r));
  }

  /**
   * What routing an event needs, without decrypting anything. Cached: it is read for every event
   * (chat can bring thousands a second) and only changes through this repository.
   */
  routes(): ReadonlyArray<SubscriptionRoute> {
    this.routeCache ??= this.db
      .select({ id: webhookSubscriptions.id, eventTypes: webhookSubscriptions.eventTypes, filter: webhookSubscriptions.filter })
      .from(webhookSubscriptions)
      .all()
      .map((r) => ({ ...r, filter: r.filter ?? null }));
    return this.routeCache;
  }

  get(id: string): WebhookSubscription | undefined {
    const row = this.db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, id)).get();
    return row && this.toSubscription(row);
  }

  /** Deleting a subscription deletes its pending deliveries and its log (foreign key cascade). */
  delete(id: string): boolean {
    this.routeCache = null;
    return this.db.delete(webhookSubscriptions).where(eq(webhookSubscriptions.id, id)).run().changes > 0;
  }

  private toSubscription(row: WebhookSubscriptionRow): WebhookSubscription {
    return subscriptionOf(row, this.box);
  }
}

/** A new subscription's row, its URL, IFTTT key and secret encrypted. Shared with pg/webhook-subscriptions-repo.ts. */
export function subscriptionRow(input: NewWebhookSubscription, box: SecretBox): WebhookSubscriptionRow {
  return {
    id: newRowId(),
    kind: input.kind,
    urlEnc: input.kind === "standard" ? box.encrypt(input.url) : null,
    iftttEvent: input.kind === "ifttt" ? input.ifttt.event : null,
    iftttKeyEnc: input.kind === "ifttt" ? box.encrypt(input.ifttt.key) : null,
    eventTypes: input.eventTypes,
    filter: input.filter,
    secretEnc: box.encrypt(input.secret),
    description: input.description,
    createdAt: Date.now(),
  };
}

export function subscriptionOf(row: WebhookSubscriptionRow, box: SecretBox): WebhookSubscription {
  const base: SubscriptionBase = {
    id: row.id,
    eventTypes: row.eventTypes,
    filter: row.filter ?? null,
    secret: box.decrypt(row.secretEnc),
    description: row.description,
    createdAt: new Date(row.createdAt),
  };
  if (row.kind === "ifttt") return { ...base, kind: "ifttt", ifttt: { event: row.iftttEvent ?? "", key: box.decrypt(row.iftttKeyEnc ?? "") } };
  return { ...base, kind: "standard", url: box.decrypt(row.urlEnc ?? "") };
}
