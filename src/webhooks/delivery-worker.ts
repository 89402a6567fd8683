import type { Logger } from "../log.js";
import type { AttemptOutcome, Delivery } from "../db/webhook-deliveries-repo.js";
import type { WebhookDeliveriesStore, WebhookSubscriptionsStore } from "../db/store.js";
import type { SendResult, WebhookSender } from "./http-sender.js";
import { outgoingWebhook } from "./outgoing.js";
import { retryDelay, type RetryPolicy } from "./retry.js";
import type { DeliveryObserver } from "./metrics.js";

export interface DeliveryWorkerOptions {
  /** Names this worker's claims on the outbox: the node's id, the same after a restart (its old claims are released then). */
  worker: string;
  /** How long a claimed delivery stays this worker's (longer than a request may take); then another worker may send it. */
  claimForMs: number;
  /** Requests in flight at once, over all receivers. */
  concurrency: number;
  retry: RetryPolicy;
  iftttBaseUrl: string;
}

/** A timer is only a safety net (deliveries made due by a nudge run at once); never sleep longer. */
const MAX_SLEEP_MS = 60_000;

/**
 * Drains the outbox in the background. The relay and the API only write rows and nudge; nothing
 * they do waits for a receiver. At most `concurrency` requests run at once and at most one per
 * subscription, so a slow or dead receiver holds one slot and delays only its own events.
 * Several workers (one per node of a cluster) may drain one outbox: each delivery is claimed first
 * (`claimDue`), which keeps one request per subscription in flight over all of them.
 * Delivery is at-least-once: a row becomes `delivered` only after a 2xx, so a crash or a stop
 * mid-request sends it again (after a stop or a restart at once; after a node's death, once its claim lapses).
 */
export class DeliveryWorker {
  private readonly inFlight = new Map<string, { subscriptionId: string; abort: AbortController; done: Promise<unknown> }>();
  private running = false;
  private tickQueued = false;
  /** A tick is reading the outbox; a nudge meanwhile asks for one more tick after it. */
  private ticking: Promise<void> | null = null;
  private tickAgain = false;
  private timer: NodeJS.Timeout | null = null;
  /** This node's claims from before its start are given back first: no look at the outbox happens until then. */
  private released: Promise<void> = Promise.resolve();
  /** Set once metrics exist (they are created after the worker). */
  observer: DeliveryObserver | null = null;

  constructor(
    private readonly deliveries: WebhookDeliveriesStore,
    private readonly subscriptions: WebhookSubscriptionsStore,
    private readonly sender: WebhookSender,
    private readonly options: DeliveryWorkerOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.running = true;
    // Claims this node held when it last stopped or died are stale: their requests ended with that process.
    // Released before any look, or the release could take back a claim this start has just made.
    this.released = this.release();
    void this.released.then(() => this.nudge());
  }

  /** Something became due (a new event, a redeliver): look at the outbox soon, off the caller's stack. */
  nudge(): void {
    if (!this.running || this.tickQueued) return;
    this.tickQueued = true;
    setImmediate(() => {
      this.tickQueued = false;
      void this.tick();
    });
  }

  /** Stops taking work and abandons requests in flight; they stay due and go out on the next start. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const pending = [...this.inFlight.values()];
    for (const { abort } of pending) abort.abort();
    await Promise.allSettled([...pending.map((p) => p.done), this.ticking]);
    this.sender.close();
    // The abandoned deliveries are due again at once, for another node or for this one's next start.
    await this.release();
  }

  private async release(): Promise<void> {
    try {
      await this.deliveries.releaseClaims(this.options.worker);
    } catch (err) {
      this.log.warn({ err }, `could not release this node's webhook claims; other nodes send those deliveries once the claims lapse (${this.options.claimForMs} ms)`);
    }
  }

  /**
   * Sends one delivery now, outside the outbox's schedule and its concurrency limit (a test-fire
   * someone is waiting for); the result is in the delivery log when this resolves.
   */
  async sendNow(delivery: Delivery): Promise<void> {
    const abort = new AbortController();
    const done = this.attempt(delivery, abort.signal);
    this.inFlight.set(delivery.id, { subscriptionId: delivery.subscriptionId, abort, done });
    try {
      await done;
    } finally {
      this.inFlight.delete(delivery.id);
      // The subscription counted as busy meanwhile; its due deliveries may have been passed over.
      this.nudge();
    }
  }

  /** One look at the outbox at a time: two overlapping ticks would both see a subscription as free. Never rejects. */
  private async tick(): Promise<void> {
    if (!this.running) return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    this.ticking = this.released.then(() => this.look());
    await this.ticking;
    this.ticking = null;
    if (this.tickAgain) {
      this.tickAgain = false;
      await this.tick();
    }
  }

  private async look(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    try {
      const free = this.options.concurrency - this.inFlight.size;
      if (free > 0) {
        const now = new Date();
        const claim = { worker: this.options.worker, now, until: new Date(now.getTime() + this.options.claimForMs), busy: this.busySubscriptions(), limit: free };
        // Rows claimed as a stop came are not sent: the stop waits for this look, then releases them.
        for (const delivery of await this.deliveries.claimDue(claim)) {
          if (this.running) this.launch(delivery);
        }
      }
      // With every slot taken, the next completion ticks again; otherwise wake for the next due row.
      if (this.running && this.inFlight.size < this.options.concurrency) {
        const next = await this.deliveries.nextDueAt(new Date(), this.busySubscriptions());
        if (next && this.running) {
          if (this.timer) clearTimeout(this.timer);
          this.timer = setTimeout(() => void this.tick(), Math.min(MAX_SLEEP_MS, Math.max(0, next.getTime() - Date.now())));
          this.timer.unref();
        }
      }
    } catch (err) {
      this.log.error({ err }, "webhook outbox could not be read; retrying in a second");
      if (this.running) {
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.tick(), 1_000);
        this.timer.unref();
      }
    }
  }

  private busySubscriptions(): string[] {
    return [...new Set([...this.inFlight.values()].map((f) => f.subscriptionId))];
  }

  private launch(delivery: Delivery): void {
    const abort = new AbortController();
    const done = this.attempt(delivery, abort.signal)
      .catch((err: unknown) => this.log.error({ err, deliveryId: delivery.id }, "webhook delivery attempt failed inside Prism"))
      .finally(() => {
        this.inFlight.delete(delivery.id);
        this.nudge();
      });
    this.inFlight.set(delivery.id, { subscriptionId: delivery.subscriptionId, abort, done });
  }

  private async attempt(delivery: Delivery, signal: AbortSignal): Promise<void> {
    const subscription = await this.subscriptions.get(delivery.subscriptionId);
    if (!subscription) return; // deleted meanwhile; its deliveries went with it
    const attempt = delivery.attempts + 1;
    const startedAt = new Date();
    const request = outgoingWebhook(subscription, delivery.payload, {
      deliveryId: delivery.id,
      attempt,
      test: delivery.test,
      iftttBaseUrl: this.options.iftttBaseUrl,
      now: startedAt,
    });
    const result = await this.sender.send(request, signal);
    // A request cut short by a stop is no verdict on the receiver; a test-fire is never retried though.
    if (result.aborted && !delivery.test) return;

    const outcome = this.outcomeOf(delivery, attempt, result, startedAt);
    const recorded = await this.deliveries.recordAttempt(
      delivery.id,
      { attempt, startedAt, statusCode: result.statusCode, latencyMs: result.latencyMs, error: result.error },
      outcome,
    );
    if (!recorded) return;
    if (!delivery.test) this.observer?.attempt(delivery.eventType, outcome.status === "pending" ? "retrying" : outcome.status, result.latencyMs / 1000);
    const context = { subscriptionId: subscription.id, deliveryId: delivery.id, eventType: delivery.eventType, attempt, statusCode: result.statusCode, latencyMs: result.latencyMs };
    if (outcome.status === "delivered") {
      this.log.info(context, "webhook delivered");
    } else if (outcome.status === "pending") {
      this.log.warn({ ...context, reason: result.error, retryAt: outcome.nextAttemptAt.toISOString() }, "webhook delivery failed; will retry");
    } else {
      this.log.warn({ ...context, reason: result.error }, delivery.test ? "webhook test-fire failed" : "webhook delivery dead-lettered: retries exhausted");
    }
    // Zapier's REST Hooks rule: 410 Gone means "unsubscribe me".
    if (result.statusCode === 410 && !delivery.test) {
      await this.subscriptions.delete(subscription.id);
      this.log.info({ subscriptionId: subscription.id }, "webhook subscription removed: the receiver answered 410 Gone");
    }
  }

  private outcomeOf(delivery: Delivery, attempt: number, result: SendResult, at: Date): AttemptOutcome {
    if (result.ok) return { status: "delivered" };
    if (delivery.test || result.statusCode === 410) return { status: "dead" };
    const next = new Date(at.getTime() + result.latencyMs + retryDelay(this.options.retry, attempt));
    return next.getTime() > delivery.giveUpAt.getTime() ? { status: "dead" } : { status: "pending", nextAttemptAt: next };
  }
}
