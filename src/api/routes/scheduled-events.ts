import { createRoute, z } from "@hono/zod-openapi";
import type { Announcement, ScheduleApi, ScheduledEvent } from "../../schedule/index.js";
import { ScheduleError } from "../../schedule/index.js";
import { body, json, newRouter } from "../router.js";
import { ApiError, commonErrors, notFoundError, ErrorSchema } from "../errors.js";
import { IdParam } from "../schemas.js";
import { CreateScheduledEventBody, EventIdParam, ScheduledEventSchema, UpdateScheduledEventBody, scheduledEventExample } from "../schedule-schemas.js";

const conflict = { 409: { description: "The event is no longer scheduled (started, ended, cancelled or missed)", content: { "application/json": { schema: ErrorSchema } } } };

export const viewScheduledEvent = (e: ScheduledEvent & { announcements: Announcement[] }) => ({
  id: e.id,
  streamId: e.streamId,
  title: e.title,
  description: e.description,
  startsAt: e.startsAt.toISOString(),
  endsAt: e.endsAt?.toISOString() ?? null,
  source: e.source,
  status: e.status,
  statusReason: e.statusReason,
  startingSoonSentAt: e.soonSentAt?.toISOString() ?? null,
  startedAt: e.startedAt?.toISOString() ?? null,
  createdAt: e.createdAt.toISOString(),
  updatedAt: e.updatedAt.toISOString(),
  announcements: e.announcements.map((a) => ({ ...a, attemptedAt: a.attemptedAt.toISOString() })),
});

/** The schedule's refusals in the API's one error shape. */
export async function scheduleCall<T>(run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ScheduleError) throw new ApiError(err.status, err.code, err.message);
    throw err;
  }
}

/**
 * Scheduled events (issue #18): planned per stream, announced on each linked platform, run by the
 * schedule's timers. Their ids start with sev_, so /events/{eventId} never shadows the event log's
 * /events/types.
 */
export function scheduledEventRoutes({ schedule, streamExists }: { schedule: ScheduleApi; streamExists: (id: string) => Promise<boolean> }) {
  const app = newRouter();
  const one = (e: ScheduledEvent & { announcements: Announcement[] }) => viewScheduledEvent(e);

  app.openapi(
    createRoute({
      method: "post",
      path: "/streams/{id}/events",
      summary: "Plan a broadcast: announced on each linked platform that can take it; its timeline goes on the bus and to webhooks",
      request: { params: IdParam, ...body(CreateScheduledEventBody) },
      responses: {
        201: json(ScheduledEventSchema, "Scheduled; announcements holds each platform's answer"),
        ...commonErrors,
        ...notFoundError,
        409: { description: "The stream already has the most events scheduled it may have (100)", content: { "application/json": { schema: ErrorSchema } } },
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const event = await scheduleCall(() => schedule.create(id, c.req.valid("json")));
      return c.json(one(event), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/streams/{id}/events",
      summary: "A stream's scheduled events, earliest first (upcoming and past)",
      request: { params: IdParam },
      responses: { 200: { description: "Events", content: { "application/json": { schema: z.array(ScheduledEventSchema), example: [scheduledEventExample] } } }, ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await streamExists(id))) throw new ApiError(404, "not_found", "Stream not found.");
      return c.json((await schedule.list(id)).map(one), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/events/{eventId}",
      summary: "A scheduled event, with what each platform answered",
      request: { params: EventIdParam },
      responses: { 200: json(ScheduledEventSchema, "The event"), ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { eventId } = c.req.valid("param");
      const event = await schedule.get(eventId);
      if (!event) throw new ApiError(404, "not_found", `No scheduled event ${eventId}.`);
      return c.json(one(event), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/events/{eventId}",
      summary: "Change a scheduled event: platforms that have it are updated, those that refused are tried again",
      request: { params: EventIdParam, ...body(UpdateScheduledEventBody) },
      responses: { 200: json(ScheduledEventSchema, "The event"), ...commonErrors, ...notFoundError, ...conflict },
    }),
    async (c) => {
      const event = await scheduleCall(() => schedule.update(c.req.valid("param").eventId, c.req.valid("json")));
      return c.json(one(event), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/events/{eventId}",
      summary: "Cancel a scheduled event: taken back from each platform, event.cancelled sent (the event stays listed, cancelled)",
      request: { params: EventIdParam },
      responses: { 200: json(ScheduledEventSchema, "The cancelled event"), ...commonErrors, ...notFoundError, ...conflict },
    }),
    async (c) => {
      const event = await scheduleCall(() => schedule.cancel(c.req.valid("param").eventId));
      return c.json(one(event), 200);
    },
  );

  return app;
}
