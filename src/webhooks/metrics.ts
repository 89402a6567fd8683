import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export type AttemptOutcome = "delivered" | "retrying" | "dead";

/** What the delivery worker reports about each attempt. */
export interface DeliveryObserver {
  attempt(eventType: string, outcome: AttemptOutcome, seconds: number): void;
}

/**
 * Webhook metrics, registered on the service's Prometheus registry. Labels are the event type and
 * the outcome only: subscription URLs often hold secrets and do not belong in a label.
 */
export function webhookMetrics(registry: Registry, pendingDeliveries: () => Promise<number>): DeliveryObserver {
  const attempts = new Counter({
    name: "prism_webhook_attempts_total",
    help: "Webhook delivery attempts by outcome: delivered (2xx), retrying (failed, will retry), dead (failed, retries exhausted)",
    labelNames: ["event_type", "outcome"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "prism_webhook_attempt_duration_seconds",
    help: "Time from sending a webhook to the receiver's answer (or the timeout)",
    labelNames: ["outcome"],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  new Gauge({
    name: "prism_webhook_deliveries_pending",
    help: "Deliveries waiting in the outbox (due now or scheduled for a retry)",
    registers: [registry],
    async collect() {
      this.set(await pendingDeliveries());
    },
  });
  return {
    attempt(eventType, outcome, seconds) {
      attempts.inc({ event_type: eventType, outcome });
      duration.observe({ outcome }, seconds);
    },
  };
}
