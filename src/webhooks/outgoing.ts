import type { WebhookSubscription } from "../db/webhook-subscriptions-repo.js";
import { iftttValues, type PrismEvent } from "./catalog.js";
import type { OutgoingWebhook } from "./http-sender.js";
import { SIGNATURE_HEADER, signatureHeader } from "./signature.js";

export interface DeliveryContext {
  deliveryId: string;
  attempt: number;
  test: boolean;
  iftttBaseUrl: string;
  now: Date;
}

const USER_AGENT = "Prism-Webhooks/1";

/**
 * The HTTP request for one delivery attempt. Standard subscriptions get the event itself; IFTTT
 * ones get `{ value1, value2, value3 }` at IFTTT's trigger URL. Both are signed the same way.
 */
export function outgoingWebhook(subscription: WebhookSubscription, payload: string, context: DeliveryContext): OutgoingWebhook {
  const event = JSON.parse(payload) as PrismEvent;
  const [url, body] =
    subscription.kind === "ifttt"
      ? [iftttTriggerUrl(context.iftttBaseUrl, subscription.ifttt.event, subscription.ifttt.key), iftttBody(event)]
      : [subscription.url, payload];
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    "prism-event-id": event.id,
    "prism-event-type": event.type,
    "prism-delivery-id": context.deliveryId,
    "prism-delivery-attempt": String(context.attempt),
    [SIGNATURE_HEADER.toLowerCase()]: signatureHeader(subscription.secret, body, Math.floor(context.now.getTime() / 1000)),
  };
  if (context.test) headers["prism-test"] = "true";
  return { url, body, headers };
}

/** IFTTT Webhooks' "Receive a web request with a JSON payload" trigger URL. */
export function iftttTriggerUrl(base: string, event: string, key: string): string {
  return `${base}/trigger/${encodeURIComponent(event)}/with/key/${encodeURIComponent(key)}`;
}

function iftttBody(event: PrismEvent): string {
  const [value1, value2, value3] = iftttValues(event);
  return JSON.stringify({ value1, value2, value3 });
}
