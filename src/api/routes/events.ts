import { createRoute, z } from "@hono/zod-openapi";
import type { AutomationApi } from "../../webhooks/index.js";
import type { StoredEvent } from "../../db/events-repo.js";
import { newRouter } from "../router.js";
import { commonErrors } from "../errors.js";
import { EventSchema, EventTypeSchema, EventsQuery, eventListExample, eventTypeCatalog } from "../webhook-schemas.js";
import type { EventType } from "../../webhooks/catalog.js";

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
      responses: { 200: { description: "Events", content: { "application/json": { schema: z.array(EventSchema), example: eventListExample } } }, ...commonErrors },
    }),
    async (c) => {
      const { type, limit } = c.req.valid("query");
      return c.json((await automation.events.recent(type, limit)).map(view), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/events/types",
      summary: "Every event type with what it means and an example event (the documented catalog)",
      responses: { 200: { description: "The catalog", content: { "application/json": { schema: z.array(EventTypeSchema), example: eventTypeCatalog } } }, ...commonErrors },
    }),
    (c) => c.json(eventTypeCatalog, 200),
  );

  return app;
}
