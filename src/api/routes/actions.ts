import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { EventBus } from "../../bus.js";
import type { Logger } from "../../log.js";
import type { Destination } from "../../db/destinations-repo.js";
import type { DestinationsStore } from "../../db/store.js";
import type { ActionToken } from "../../db/action-tokens-repo.js";
import type { AutomationApi } from "../../webhooks/index.js";
import type { CommentsApi } from "../../comments/index.js";
import { SendCommentBody, SendCommentResult } from "../comment-schemas.js";
import type { RelayView } from "../deps.js";
import type { OutputState } from "../../core/output-state.js";
import { json, newRouter } from "../router.js";
import { ApiError, ErrorSchema, errorBody } from "../errors.js";
import { ACTIONS, DESTINATION_ACTIONS, EVENT_ACTIONS, ActionParams, DestinationActionBody, DestinationActionResult, EventActionBody, destinationActionExample, type ActionName } from "../webhook-schemas.js";
import type { ScheduleApi } from "../../schedule/index.js";
import { ScheduledEventSchema } from "../schedule-schemas.js";
import { scheduleCall, viewScheduledEvent } from "./scheduled-events.js";
import type { RecordingsApi } from "../../recordings/index.js";
import { ClipSchema, LiveClipBody, MarkerBody, MarkerSchema } from "../recording-schemas.js";
import { asApiError, clipView, droppedMarkerView } from "./recordings.js";

/**
 * An action's body: JSON, also when sent as text/plain (IFTTT's "Make a web request" and some shortcut
 * apps do). Optional to the validator, which only parses JSON bodies: parseJson checks it either way.
 */
const jsonOrText = <T extends z.ZodType>(schema: T) => ({
  required: false,
  content: {
    "application/json": { schema },
    "text/plain": { schema: z.string().openapi({ description: "The same JSON document, for senders that cannot set a JSON Content-Type" }) },
  },
});

const error = (description: string) => ({ description, content: { "application/json": { schema: ErrorSchema } } });

const SUMMARIES: Record<ActionName, string> = {
  "start-destination": "Enable a destination (it starts at once if the stream is live)",
  "stop-destination": "Disable a destination (it stops at once if the stream is live)",
  "toggle-destination": "Enable a disabled destination, disable an enabled one",
  "send-comment": "Post a chat message to the stream's platforms (every platform whose chat Prism reads, or those named); reports each platform's answer",
  "clip-live": "Clip that: the last lastSec seconds (default 30) of the live recording, as an MP4 ready to download (clip.ready follows)",
  "add-marker": "Drop a marker at this moment of the live recording, to clip around later",
  "start-event": "Start a scheduled event of the stream now (its media plays; a live event needs its publisher live)",
  "cancel-event": "Cancel a scheduled event of the stream (taken back from each platform)",
};

export interface ActionRoutesDeps {
  automation: AutomationApi;
  comments: Pick<CommentsApi, "send">;
  schedule: ScheduleApi;
  destinations: DestinationsStore;
  relay: RelayView;
  bus: EventBus;
  recordings: Pick<RecordingsApi, "liveClip" | "marker">;
  log: Logger;
}

/**
 * Actions in: `POST /actions/:actionToken/<action>`, for Zapier, IFTTT or a phone shortcut. The
 * token in the URL is the credential (no admin token), scoped to one stream and a set of actions.
 * Destinations change exactly as through PATCH /streams/:id/destinations/:destId: the store, then
 * `config.destinations` on the bus, which the relay reconciles.
 */
/**
 * A live destination's state in an action's answer. The relay applies a change once it has read the destinations
 * again, a store round trip later on PostgreSQL: until then it still reports the state before the change, so the
 * answer says where the change leads (a disabled output stops, an enabled one connects).
 */
function liveState(current: OutputState | undefined, enabled: boolean): OutputState {
  if (!enabled) return "stopped";
  return current === undefined || current === "stopped" ? "connecting" : current;
}

export function actionRoutes({ automation, comments, schedule, destinations, relay, bus, recordings, log }: ActionRoutesDeps) {
  const { actionTokens } = automation;
  const app = newRouter();

  const authorise = async (c: Context, action: ActionName): Promise<ActionToken> => {
    const token = await actionTokens.findByToken(c.req.param("actionToken") ?? "");
    if (!token) {
      throw new ApiError(401, "unauthorized", "This action URL is not valid: its token was mistyped or revoked. Create a new one with POST /api/v1/streams/:id/action-tokens.");
    }
    if (!token.actions.includes(action)) {
      throw new ApiError(403, "forbidden", `The action token "${token.name}" may not ${action}; it allows ${token.actions.join(", ")}. Create a token that includes ${action}.`, {
        allowed: token.actions,
      });
    }
    return token;
  };

  // The token is checked before the body, so a revoked URL answers 401 whatever it is sent. The body
  // is declared optional and as text/plain too, so that such senders reach readBody (see there).
  for (const action of ACTIONS) {
    app.use(`/actions/:actionToken/${action}`, async (c, next) => {
      await authorise(c, action);
      await next();
    });
  }

  for (const action of DESTINATION_ACTIONS) {
    app.openapi(
      createRoute({
        method: "post",
        path: `/actions/{actionToken}/${action}`,
        summary: SUMMARIES[action],
        security: [],
        request: { params: ActionParams, body: jsonOrText(DestinationActionBody) },
        responses: {
          200: { description: "Done", content: { "application/json": { schema: DestinationActionResult, example: destinationActionExample(action) } } },
          400: error("Invalid body"),
          401: error("Unknown or revoked action token"),
          403: error("The token does not allow this action"),
          404: error("No such destination on the token's stream"),
          409: error("Several destinations have that name"),
        },
      }),
      async (c) => {
        const token = await authorise(c, action);
        const input = await readBody(c);
        const destination = findDestination(await destinations.list(token.streamId), input);
        const enabled = action === "start-destination" ? true : action === "stop-destination" ? false : !destination.enabled;
        if (enabled !== destination.enabled) {
          await destinations.update(token.streamId, destination.id, { enabled });
          bus.emit("config.destinations", { streamId: token.streamId });
        }
        await actionTokens.touch(token.id, new Date());
        const live = relay.isLive(token.streamId);
        const state = live ? liveState(relay.outputHealth(token.streamId, destination.id)?.state, enabled) : enabled ? "idle" : "stopped";
        log.info({ streamId: token.streamId, destination: destination.name, action, enabled, actionTokenName: token.name }, "action run");
        return c.json({ action, streamId: token.streamId, streamLive: live, destination: { id: destination.id, name: destination.name, enabled, state } }, 200);
      },
    );
  }

  app.openapi(
    createRoute({
      method: "post",
      path: "/actions/{actionToken}/send-comment",
      summary: SUMMARIES["send-comment"],
      security: [],
      request: { params: ActionParams, body: jsonOrText(SendCommentBody) },
      responses: {
        200: json(SendCommentResult, "Per-platform results"),
        400: error("The body is not { text, platforms? }"),
        401: error("Unknown or revoked action token"),
        403: error("The token does not allow this action"),
        409: error("The stream has no platform chat to post to"),
      },
    }),
    async (c) => {
      const token = await authorise(c, "send-comment");
      const { text, platforms } = parseJson(await c.req.text(), SendCommentBody, '{"text": "Back in 5!"}');
      const results = await comments.send(token.streamId, text, platforms);
      if (results.length === 0) {
        throw new ApiError(409, "no_chat", "This stream has no destination of a linked account whose platform chat Prism reads (or none on the platforms asked for).");
      }
      log.info({ streamId: token.streamId, action: "send-comment", actionTokenName: token.name, platforms: results.map((r) => `${r.platform}:${r.ok ? "ok" : "failed"}`) }, "action run");
      return c.json({ results }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/actions/{actionToken}/clip-live",
      summary: SUMMARIES["clip-live"],
      security: [],
      request: { params: ActionParams, body: jsonOrText(LiveClipBody) },
      responses: {
        201: json(ClipSchema, "The clip, ready to download (with the API token)"),
        400: error("The body is not { lastSec?, title? }"),
        401: error("Unknown or revoked action token"),
        403: error("The token does not allow this action"),
        409: error("The stream is not being recorded right now"),
        429: error("Clips are being made already"),
      },
    }),
    async (c) => {
      const token = await authorise(c, "clip-live");
      const { lastSec, title } = parseJson(await c.req.text(), LiveClipBody, '{"lastSec": 30}');
      const clip = await asApiError(() => recordings.liveClip(token.streamId, lastSec, title ?? null));
      await actionTokens.touch(token.id, new Date());
      log.info({ streamId: token.streamId, action: "clip-live", actionTokenName: token.name, clipId: clip.id }, "action run");
      return c.json(clipView(clip), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/actions/{actionToken}/add-marker",
      summary: SUMMARIES["add-marker"],
      security: [],
      request: { params: ActionParams, body: jsonOrText(MarkerBody) },
      responses: {
        201: json(MarkerSchema.extend({ recordingId: z.string() }), "The marker"),
        400: error("The body is not { label? }"),
        401: error("Unknown or revoked action token"),
        403: error("The token does not allow this action"),
        409: error("The stream is not being recorded right now"),
      },
    }),
    async (c) => {
      const token = await authorise(c, "add-marker");
      const { label } = parseJson(await c.req.text(), MarkerBody, '{"label": "Boss fight"}');
      const marker = await asApiError(() => recordings.marker(token.streamId, label ?? null));
      await actionTokens.touch(token.id, new Date());
      log.info({ streamId: token.streamId, action: "add-marker", actionTokenName: token.name }, "action run");
      return c.json(droppedMarkerView(marker), 201);
    },
  );
  for (const action of EVENT_ACTIONS) {
    app.openapi(
      createRoute({
        method: "post",
        path: `/actions/{actionToken}/${action}`,
        summary: SUMMARIES[action],
        security: [],
        request: { params: ActionParams, body: jsonOrText(EventActionBody) },
        responses: {
          200: json(ScheduledEventSchema, "The event, started or cancelled"),
          400: error("Invalid body"),
          401: error("Unknown or revoked action token"),
          403: error("The token does not allow this action"),
          404: error("No such event on the token's stream, or none still scheduled"),
          409: error("The event is no longer scheduled, or (start-event) its publisher is not live"),
        },
      }),
      async (c) => {
        const token = await authorise(c, action);
        const { eventId } = parseJson(await c.req.text(), EventActionBody, '{"eventId": "sev_…"} or {}');
        const event = eventId ? await schedule.get(eventId) : (await schedule.list(token.streamId)).find((e) => e.status === "scheduled");
        if (!event || event.streamId !== token.streamId) {
          throw new ApiError(404, "not_found", eventId ? `The stream of this action URL has no scheduled event ${eventId}.` : "The stream of this action URL has no event still scheduled.");
        }
        const done = await scheduleCall(() => (action === "start-event" ? schedule.startNow(event.id) : schedule.cancel(event.id)));
        await actionTokens.touch(token.id, new Date());
        log.info({ streamId: token.streamId, event: event.id, action, actionTokenName: token.name }, "action run");
        return c.json(viewScheduledEvent(done), 200);
      },
    );
  }

  return app;
}

/**
 * The body as JSON whatever its Content-Type says: IFTTT's "Make a web request" and some shortcut
 * apps send JSON as text/plain.
 */
async function readBody(c: Context): Promise<{ destinationId?: string | undefined; destination?: string | undefined }> {
  return parseJson(await c.req.text(), DestinationActionBody, '{"destination": "Main"} or {"destinationId": "…"}');
}

/** Parses and validates a body that may have come as text/plain, with the one error shape. */
function parseJson<T extends z.ZodType>(text: string, schema: T, example: string): z.infer<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(text || "{}");
  } catch {
    throw new ApiError(400, "bad_request", `The body is not valid JSON; send e.g. ${example}.`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    throw new ApiError(400, "validation_failed", issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; "), { issues });
  }
  return parsed.data;
}

function findDestination(list: Destination[], input: { destinationId?: string | undefined; destination?: string | undefined }): Destination {
  if (input.destinationId !== undefined) {
    const byId = list.find((d) => d.id === input.destinationId);
    if (!byId) throw new ApiError(404, "not_found", `The stream of this action URL has no destination with id ${input.destinationId}.`);
    return byId;
  }
  const wanted = input.destination!.toLocaleLowerCase();
  const byName = list.filter((d) => d.name.trim().toLocaleLowerCase() === wanted);
  if (byName.length === 0) {
    throw new ApiError(404, "not_found", `The stream of this action URL has no destination named "${input.destination}"; it has ${list.map((d) => `"${d.name}"`).join(", ") || "none"}.`);
  }
  if (byName.length > 1) {
    throw new ApiError(409, "ambiguous_destination", `${byName.length} destinations are named "${input.destination}"; send destinationId instead.`, { destinationIds: byName.map((d) => d.id) });
  }
  return byName[0]!;
}
