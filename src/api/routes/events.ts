import { createRoute, z } from "@hono/zod-openapi";
import type { AutomationApi } from "../../webhooks/index.js";
import type { StoredEvent } from "../../db/events-repo.js";
import { json, newRouter } from "../router.js";
import { commonErrors } from "../errors.js";
import { EventSchema, EventTypeSchema, EventsQuery } from "../webhook-schemas.js";
import { EVENT_TYPES, catalog, type EventType } from "../../webhooks/catalog.js";

/** The event log, for Zapier's polling triggers and samples, and the catalog with an example per type. */
export function eventRoutes({ automation }: { automation: AutomationApi }) {
  const app = newRouter();
  const view = (e: StoredEvent) => ({ id: e.id, type: e.type as EventType, createdAt: e.createdAt.toISOString(), data: e.data });

  app.openapi(
    createRoute({
      method: "get",
      path: "/events",
      summary: "Recent events, newest first (a bare array, as Zapier polling triggers expect; dedupe on id)",
      request: { query: EventsQuery },
      responses: { 200: json(z.array(EventSchema), "Events"), ...commonErrors },
    }),
    (c) => {
      const { type, limit } = c.req.valid("query");
      return c.json(automation.events.recent(type, limit).map(view), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/events/types",
      summary: "Every event type with what it means and an example event (the documented catalog)",
      responses: { 200: json(z.array(EventTypeSchema), "The catalog"), ...commonErrors },
    }),
    (c) =>
      c.json(
        EVENT_TYPES.map((type) => ({
          type,
          description: catalog[type].description,
          example: { id: "evt_0123456789abcdef0123456789abcdef", type, createdAt: "2025-06-06T19:00:02.114Z", data: catalog[type].example as Record<string, unknown> },
        })),
        200,
      ),
  );

  return app;
}
