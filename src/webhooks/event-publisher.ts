import { randomUUID } from "node:crypto";
import type { Logger } from "../log.js";
import type { WebhookDeliveriesRepo } from "../db/webhook-deliveries-repo.js";
import type { CommentFilter, WebhookSubscriptionsRepo } from "../db/webhook-subscriptions-repo.js";
import type { EventData, EventType, PrismEvent } from "./catalog.js";

export type Publish = <T extends EventType>(type: T, data: EventData[T], at?: Date) => void;

export const newEventId = () => `evt_${randomUUID().replaceAll("-", "")}`;

type Pending = Parameters<WebhookDeliveriesRepo["publish"]>[0][number];

/**
 * Turns events into log entries plus one outbox row per interested subscription, then wakes the
 * delivery worker. Events are queued and written together on the next turn of the event loop (one
 * SQLite transaction for a burst of chat messages instead of one each), so whoever emitted them —
 * the relay, on its own stack — only pays for an array push.
 */
export class EventPublisher {
  private queue: Pending[] = [];
  private flushQueued = false;

  constructor(
    private readonly deliveries: WebhookDeliveriesRepo,
    private readonly subscriptions: WebhookSubscriptionsRepo,
    private readonly options: { retryForMs: number },
    private readonly wakeWorker: () => void,
    private readonly log: Logger,
  ) {}

  readonly publish: Publish = (type, data, when) => {
    const at = when && !Number.isNaN(when.getTime()) ? when : new Date();
    const event: PrismEvent = { id: newEventId(), type, createdAt: at.toISOString(), data };
    const subscriptionIds = this.subscriptions
      .routes()
      .filter((s) => s.eventTypes.includes(type) && passesFilter(s.filter, event))
      .map((s) => s.id);
    this.queue.push({
      event: { id: event.id, type, createdAt: at, data: data as unknown as Record<string, unknown> },
      payload: JSON.stringify(event),
      subscriptionIds,
      giveUpAt: new Date(Date.now() + this.options.retryForMs),
    });
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => this.flush());
    }
  };

  /** Writes everything queued; also called on stop so nothing announced is lost. */
  flush(): void {
    this.flushQueued = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    try {
      this.deliveries.publish(batch);
    } catch (err) {
      // Losing an announcement must never take the stream down with it.
      this.log.error({ err, events: batch.map((b) => b.event.type) }, "events could not be recorded; they are not delivered");
      return;
    }
    for (const { event, subscriptionIds } of batch) this.log.debug({ eventId: event.id, type: event.type, subscribers: subscriptionIds.length }, "event recorded");
    if (batch.some((b) => b.subscriptionIds.length > 0)) this.wakeWorker();
  }
}

/** The per-subscription filter of comment.received: any listed platform, and the keyword anywhere in the text. */
export function passesFilter(filter: CommentFilter | null, event: PrismEvent): boolean {
  if (!filter || event.type !== "comment.received") return true;
  const comment = event.data as EventData["comment.received"];
  if (filter.platforms?.length && !filter.platforms.some((p) => p.toLowerCase() === comment.platform.toLowerCase())) return false;
  if (filter.keyword && !comment.text.toLocaleLowerCase().includes(filter.keyword.toLocaleLowerCase())) return false;
  return true;
}
