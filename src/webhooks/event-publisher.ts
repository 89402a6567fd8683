import { randomUUID } from "node:crypto";
import type { Logger } from "../log.js";
import type { CommentFilter } from "../db/webhook-subscriptions-repo.js";
import type { WebhookDeliveriesStore, WebhookSubscriptionsStore } from "../db/store.js";
import type { EventData, EventType, PrismEvent } from "./catalog.js";

/**
 * Queues an event. Its data may still be on its way (a name looked up in the store): the event keeps its place in
 * the queue either way, so events are recorded in the order they were announced.
 */
export type Publish = <T extends EventType>(type: T, data: EventData[T] | Promise<EventData[T]>, at?: Date) => void;

export const newEventId = () => `evt_${randomUUID().replaceAll("-", "")}`;

type Pending = Parameters<WebhookDeliveriesStore["publish"]>[0][number];

interface Queued {
  id: string;
  type: EventType;
  at: Date;
  data: unknown;
}

/**
 * Turns events into log entries plus one outbox row per interested subscription, then wakes the
 * delivery worker. Events are queued and written together on the next turn of the event loop (one
 * SQLite transaction for a burst of chat messages instead of one each), so whoever emitted them —
 * the relay, on its own stack — only pays for an array push.
 */
export class EventPublisher {
  private queue: Queued[] = [];
  private flushQueued = false;
  /** Writes one batch after another, so a slow store cannot reorder them. */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly deliveries: WebhookDeliveriesStore,
    private readonly subscriptions: WebhookSubscriptionsStore,
    private readonly options: { retryForMs: number },
    private readonly wakeWorker: () => void,
    private readonly log: Logger,
  ) {}

  readonly publish: Publish = (type, data, when) => {
    const at = when && !Number.isNaN(when.getTime()) ? when : new Date();
    // Handled here, or a failed look-up would be an unhandled rejection until the flush (a turn later) reaches it.
    if (data instanceof Promise) data.catch(() => {});
    this.queue.push({ id: newEventId(), type, at, data });
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => void this.flush());
    }
  };

  /** Writes everything queued; also called on stop so nothing announced is lost. Never rejects. */
  flush(): Promise<void> {
    this.flushQueued = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length > 0) this.writing = this.writing.then(() => this.write(batch));
    return this.writing;
  }

  private async write(queued: Queued[]): Promise<void> {
    let batch: Pending[];
    try {
      const routes = await this.subscriptions.routes();
      batch = [];
      for (const q of queued) {
        const data = await Promise.resolve(q.data).catch((err: unknown) => {
          this.log.error({ err, type: q.type }, "event could not be described; it is not recorded");
          return undefined;
        });
        if (data === undefined) continue;
        const event = { id: q.id, type: q.type, createdAt: q.at.toISOString(), data } as PrismEvent;
        const subscriptionIds = routes.filter((s) => s.eventTypes.includes(q.type) && passesFilter(s.filter, event)).map((s) => s.id);
        batch.push({ event: { id: q.id, type: q.type, createdAt: q.at, data: data as Record<string, unknown> }, payload: JSON.stringify(event), subscriptionIds, giveUpAt: new Date(Date.now() + this.options.retryForMs) });
      }
      await this.deliveries.publish(batch);
    } catch (err) {
      // Losing an announcement must never take the stream down with it.
      this.log.error({ err, events: queued.map((q) => q.type) }, "events could not be recorded; they are not delivered");
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
