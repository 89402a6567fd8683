import type { EventBus } from "../bus.js";
import type { Logger } from "../log.js";
import type { WebhookSettings } from "../config.js";
import type { ActionTokensStore, EventsStore, Store, WebhookDeliveriesStore, WebhookSubscriptionsStore } from "../db/store.js";
import { WebhookSender } from "./http-sender.js";
import { DeliveryWorker } from "./delivery-worker.js";
import { EventPublisher } from "./event-publisher.js";
import { connectEventSources } from "./event-sources.js";
import { LogPruner } from "./pruner.js";
import { webhookMetrics } from "./metrics.js";
import type { Registry } from "prom-client";

/** What the webhook, event and action routes work with. */
export interface AutomationApi {
  events: EventsStore;
  subscriptions: WebhookSubscriptionsStore;
  deliveries: WebhookDeliveriesStore;
  actionTokens: ActionTokensStore;
  worker: Pick<DeliveryWorker, "nudge" | "sendNow">;
  settings: Pick<WebhookSettings, "allowPrivate" | "retry">;
}

export interface Automation {
  api: AutomationApi;
  /** Subscribes to the bus and starts delivering; call before the relay starts so no event is missed. */
  start(): void;
  /** Unsubscribes, writes what is queued, abandons requests in flight (they go out on the next start). */
  stop(): Promise<void>;
  /** Registers the webhook metrics (attempts by outcome, latency, outbox size) on the service's registry. */
  instrument(registry: Registry): void;
}

export interface AutomationDeps {
  store: Pick<Store, "events" | "webhookSubscriptions" | "webhookDeliveries" | "actionTokens" | "streams" | "destinations">;
  bus: EventBus;
  settings: WebhookSettings;
  log: Logger;
  /** A destination's lastError now, as the relay keeps it (see DestinationLookup). */
  destinationError?: (streamId: string, destinationId: string) => string | null | undefined;
  /** This node's id in a cluster (PRISM_NODE_ID); a single node is "local". It names the node's claims on the outbox. */
  node?: string;
}

/** Events out (catalog, log, signed webhooks through the outbox) and actions in (action tokens). */
export function createAutomation({ store, bus, settings, log, destinationError, node = "local" }: AutomationDeps): Automation {
  const { events, webhookSubscriptions: subscriptions, webhookDeliveries: deliveries, actionTokens, streams, destinations } = store;
  const worker = new DeliveryWorker(
    deliveries,
    subscriptions,
    new WebhookSender({ timeoutMs: settings.timeoutMs, allowPrivate: settings.allowPrivate }),
    // A claim outlives any request (timeoutMs), so only a dead node's claims lapse.
    { worker: node, claimForMs: 2 * settings.timeoutMs, concurrency: settings.concurrency, retry: settings.retry, iftttBaseUrl: settings.iftttBaseUrl },
    log,
  );
  const publisher = new EventPublisher(deliveries, subscriptions, { retryForMs: settings.retry.forMs }, () => worker.nudge(), log);
  const pruner = new LogPruner(events, deliveries, { retentionMs: settings.eventRetentionMs, maxEvents: settings.maxEvents }, log);
  let disconnect: (() => void) | null = null;

  return {
    api: { events, subscriptions, deliveries, actionTokens, worker, settings },
    start() {
      disconnect = connectEventSources(
        bus,
        publisher.publish,
        {
          streamName: async (id) => (await streams.get(id))?.name,
          platform: async (streamId, destinationId) => (await destinations.get(streamId, destinationId))?.platform,
          ...(destinationError && { lastError: destinationError }),
        },
        { failedAfterMs: settings.destinationFailedAfterMs },
      );
      pruner.start();
      worker.start();
    },
    async stop() {
      disconnect?.();
      disconnect = null;
      pruner.stop();
      await publisher.flush();
      await worker.stop();
    },
    instrument(registry) {
      worker.observer = webhookMetrics(registry, () => deliveries.countPending());
    },
  };
}
