import { createRoute, z } from "@hono/zod-openapi";
import type { Logger } from "../../log.js";
import type { AutomationApi } from "../../webhooks/index.js";
import type { WebhookSubscription } from "../../db/webhook-subscriptions-repo.js";
import type { Delivery, DeliveryAttempt } from "../../db/webhook-deliveries-repo.js";
import { body, json, newRouter } from "../router.js";
import { ApiError, commonErrors, notFound, notFoundError } from "../errors.js";
import {
  CreateWebhookBody,
  DeliveriesQuery,
  DeliveryParams,
  DeliverySchema,
  TestFireBody,
  WebhookParams,
  WebhookSchema,
  createdWebhookExample,
  redeliveredExample,
  testFireExample,
  webhookListExample,
} from "../webhook-schemas.js";
import { checkWebhookUrl } from "../../webhooks/url-policy.js";
import { catalog, type EventType, type PrismEvent } from "../../webhooks/catalog.js";
import { newEventId } from "../../webhooks/event-publisher.js";
import { originOf } from "../../webhooks/http-sender.js";
import { maskSecret, randomSecret } from "../../secrets/tokens.js";

/**
 * Webhook subscriptions (Zapier REST Hooks: subscribe returns an id, unsubscribe deletes it), their
 * delivery log, manual redelivery and a test-fire.
 */
export function webhookRoutes({ automation, log }: { automation: AutomationApi; log: Logger }) {
  const { subscriptions, deliveries, worker, settings } = automation;
  const app = newRouter();

  const view = (s: WebhookSubscription, reveal = false) => ({
    id: s.id,
    kind: s.kind,
    url: s.kind === "standard" ? (reveal ? s.url : maskUrl(s.url)) : null,
    ifttt: s.kind === "ifttt" ? { event: s.ifttt.event, key: reveal ? s.ifttt.key : maskSecret(s.ifttt.key) } : null,
    events: s.eventTypes as EventType[],
    filter: s.filter,
    description: s.description,
    secret: reveal ? s.secret : maskSecret(s.secret),
    createdAt: s.createdAt.toISOString(),
  });
  const attemptView = (a: DeliveryAttempt) => ({ attempt: a.attempt, at: a.startedAt.toISOString(), statusCode: a.statusCode, latencyMs: a.latencyMs, error: a.error });
  const deliveryView = (d: Delivery, attempts: DeliveryAttempt[]) => ({
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status,
    test: d.test,
    nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
    giveUpAt: d.giveUpAt.toISOString(),
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
    attempts: attempts.map(attemptView),
    event: JSON.parse(d.payload) as PrismEvent,
  });
  const withAttempts = async (list: Delivery[]) => {
    const attempts = await deliveries.attempts(list.map((d) => d.id));
    return list.map((d) => deliveryView(d, attempts.get(d.id) ?? []));
  };
  const found = (s: WebhookSubscription | undefined) => {
    if (!s) throw notFound("Webhook");
    return s;
  };

  app.openapi(
    createRoute({
      method: "post",
      path: "/webhooks",
      summary: "Subscribe a URL (or an IFTTT applet) to events; the URL, key and secret are shown in full this once",
      request: body(CreateWebhookBody),
      responses: { 201: { description: "Subscribed", content: { "application/json": { schema: WebhookSchema, example: createdWebhookExample } } }, ...commonErrors },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const common = { eventTypes: input.events, filter: input.filter ?? null, secret: input.secret ?? randomSecret("prism_whsec"), description: input.description || null };
      let subscription: WebhookSubscription;
      if (input.kind === "standard") {
        const checked = await checkWebhookUrl(input.url!, { allowPrivate: settings.allowPrivate });
        if (!checked.ok) throw new ApiError(400, checked.code, checked.message);
        subscription = await subscriptions.create({ ...common, kind: "standard", url: checked.url });
      } else {
        subscription = await subscriptions.create({ ...common, kind: "ifttt", ifttt: input.ifttt! });
      }
      log.info({ subscriptionId: subscription.id, kind: subscription.kind, target: subscription.kind === "standard" ? originOf(subscription.url) : "ifttt", events: input.events }, "webhook subscribed");
      return c.json(view(subscription, true), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/webhooks",
      summary: "List webhook subscriptions",
      responses: { 200: { description: "Subscriptions", content: { "application/json": { schema: z.array(WebhookSchema), example: webhookListExample } } }, ...commonErrors },
    }),
    async (c) => c.json((await subscriptions.list()).map((s) => view(s)), 200),
  );

  app.openapi(
    createRoute({ method: "get", path: "/webhooks/{id}", summary: "Get a webhook subscription", request: { params: WebhookParams }, responses: { 200: json(WebhookSchema, "The subscription"), ...commonErrors, ...notFoundError } }),
    async (c) => c.json(view(found(await subscriptions.get(c.req.valid("param").id))), 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/webhooks/{id}",
      summary: "Unsubscribe (Zapier REST Hooks unsubscribe); pending deliveries and the delivery log go with it",
      request: { params: WebhookParams },
      responses: { 204: { description: "Deleted" }, ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await subscriptions.delete(id))) throw notFound("Webhook");
      log.info({ subscriptionId: id }, "webhook unsubscribed");
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/webhooks/{id}/deliveries",
      summary: "The delivery log: newest first, each delivery with every attempt (status code, latency, error)",
      request: { params: WebhookParams, query: DeliveriesQuery },
      responses: { 200: json(z.array(DeliverySchema), "Deliveries"), ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { limit, status } = c.req.valid("query");
      found(await subscriptions.get(id));
      return c.json(await withAttempts(await deliveries.list(id, { limit, ...(status && { status }) })), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/webhooks/{id}/deliveries/{deliveryId}/redeliver",
      summary: "Send a delivery again now (e.g. a dead-lettered one), with a fresh retry period",
      request: { params: DeliveryParams },
      responses: { 202: { description: "Queued; follow it in the delivery log", content: { "application/json": { schema: DeliverySchema, example: redeliveredExample } } }, ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { id, deliveryId } = c.req.valid("param");
      found(await subscriptions.get(id));
      const delivery = await deliveries.redeliver(id, deliveryId, new Date(Date.now() + settings.retry.forMs));
      if (!delivery) throw notFound("Delivery");
      worker.nudge();
      return c.json((await withAttempts([delivery]))[0]!, 202);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/webhooks/{id}/test",
      summary: "Send an example event to the subscription now, once, and answer with the result",
      request: { params: WebhookParams, body: { required: false, content: { "application/json": { schema: TestFireBody } } } },
      responses: { 200: { description: "The test delivery, with its one attempt", content: { "application/json": { schema: DeliverySchema, example: testFireExample } } }, ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const subscription = found(await subscriptions.get(id));
      const requested = (c.req.valid("json") as { type?: EventType } | undefined)?.type;
      const type = requested ?? (subscription.eventTypes[0] as EventType);
      const event: PrismEvent = { id: newEventId(), type, createdAt: new Date().toISOString(), data: catalog[type].example };
      const delivery = await deliveries.createTest(id, event.id, type, JSON.stringify(event));
      await worker.sendNow(delivery);
      const after = await deliveries.get(id, delivery.id);
      if (!after) throw notFound("Webhook"); // deleted while the test was in flight
      return c.json((await withAttempts([after]))[0]!, 200);
    },
  );

  return app;
}

/** Enough of a target URL to recognise it, without the path that often is its secret. */
function maskUrl(raw: string): string {
  try {
    const u = new URL(raw);
    const rest = u.pathname + u.search;
    return rest.length <= 1 ? `${u.origin}${rest}` : `${u.origin}/…${rest.slice(-4)}`;
  } catch {
    return "••••••••";
  }
}
