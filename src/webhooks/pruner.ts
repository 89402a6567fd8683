import type { Logger } from "../log.js";
import type { EventsStore, WebhookDeliveriesStore } from "../db/store.js";

// Often enough that a burst of chat events cannot pile up far past the count limit.
const EVERY_MS = 60_000;

/** Keeps the event log and the finished part of the delivery log bounded, by age and by count. */
export class LogPruner {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly events: EventsStore,
    private readonly deliveries: WebhookDeliveriesStore,
    private readonly options: { retentionMs: number; maxEvents: number },
    private readonly log: Logger,
  ) {}

  start(): void {
    void this.prune();
    this.timer = setInterval(() => void this.prune(), EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Never rejects: a failure is logged and the next round tries again. */
  async prune(now = new Date()): Promise<void> {
    try {
      const before = new Date(now.getTime() - this.options.retentionMs);
      const events = await this.events.prune(before, this.options.maxEvents);
      const deliveries = await this.deliveries.prune(before);
      if (events + deliveries > 0) this.log.info({ events, deliveries }, "pruned the event and delivery logs");
    } catch (err) {
      this.log.error({ err }, "pruning the event log failed");
    }
  }
}
