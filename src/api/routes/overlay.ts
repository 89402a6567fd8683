import { createRoute, z } from "@hono/zod-openapi";
import type { CommentsApi } from "../../comments/index.js";
import { newRouter } from "../router.js";
import { errorBody } from "../errors.js";
import { OverlayFeedQuery, OverlayParams, SSE_EXAMPLE } from "../comment-schemas.js";
import { FEED_UNAVAILABLE_EXAMPLE, lastEventId, sseFeed } from "./comments-sse.js";
import { OVERLAY_HTML } from "./overlay-page.js";

export const OVERLAY_PREFIX = "/overlay/chat";
export const overlayPagePath = (token: string) => `${OVERLAY_PREFIX}/${encodeURIComponent(token)}`;
/** The overlay's paths as the OpenAPI document writes them: public, the token in the path is the credential. */
export const OVERLAY_DOC_PATHS = [`${OVERLAY_PREFIX}/{overlayToken}`, `${OVERLAY_PREFIX}/{overlayToken}/feed`];

const unknownToken = errorBody("not_found", "This overlay link is not valid (the token was rotated?). Get a new one with POST /api/v1/streams/:id/overlay-token.");
const errorContent = { "application/json": { schema: z.object({ error: z.object({ code: z.string(), message: z.string() }) }), example: unknownToken } };

/** An overlay shows a message for about this long, so an older one is not worth replaying to it. */
const BACKLOG_MAX_AGE_MS = 60_000;

/** The feed position just before the `count` newest visible messages of the last minute (null: from now). */
async function backlogStart(comments: CommentsApi, streamId: string, count: number): Promise<number | null> {
  if (count === 0) return null;
  const since = Date.now() - BACKLOG_MAX_AGE_MS;
  const newest = (await comments.history(streamId, { limit: count, includeFlagged: false })).filter((c) => c.receivedAt.getTime() > since);
  return newest.length > 0 ? newest[newest.length - 1]!.seq - 1 : null;
}

/**
 * The chat overlay for an OBS Browser Source. The overlay token is read-only and names one stream:
 * it can see that stream's visible chat and nothing else, so it may sit in a scene file.
 */
export function overlayRoutes({ comments }: { comments: CommentsApi }) {
  const app = newRouter();

  app.openapi(
    createRoute({
      method: "get",
      path: `${OVERLAY_PREFIX}/{overlayToken}`,
      summary: "The chat overlay page (transparent, newest at the bottom) for an OBS Browser Source",
      request: { params: OverlayParams },
      responses: {
        200: { description: "The page, self-contained (no CDN)", content: { "text/html": { schema: z.string(), example: "<!doctype html><html>…</html>" } } },
        404: { description: "Unknown or rotated token", content: errorContent },
      },
    }),
    async (c) => {
      if (!(await comments.streamForOverlayToken(c.req.valid("param").overlayToken))) return c.json(unknownToken, 404);
      // The page loads nothing from elsewhere; the policy says so to the browser too.
      c.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; img-src 'self' https: data:");
      c.header("Cache-Control", "no-store");
      c.header("Referrer-Policy", "no-referrer");
      return c.html(OVERLAY_HTML, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: `${OVERLAY_PREFIX}/{overlayToken}/feed`,
      summary: "The overlay's live feed (Server-Sent Events, visible messages of the token's stream only)",
      request: { params: OverlayParams, query: OverlayFeedQuery },
      responses: {
        200: { description: "An endless event stream", content: { "text/event-stream": { schema: z.string(), example: SSE_EXAMPLE } } },
        404: { description: "Unknown or rotated token", content: errorContent },
        503: {
          description: "In a cluster: this node lost NATS, which carries the chat of a stream live on another node",
          content: { "application/json": { schema: errorContent["application/json"].schema, example: errorBody("cluster_unavailable", FEED_UNAVAILABLE_EXAMPLE) } },
        },
      },
    }),
    async (c) => {
      const streamId = await comments.streamForOverlayToken(c.req.valid("param").overlayToken);
      if (!streamId) return c.json(unknownToken, 404);
      c.header("Cache-Control", "no-store");
      const recent = c.req.valid("query").recent ?? 0;
      return sseFeed(c, comments, streamId, lastEventId(c) ?? (await backlogStart(comments, streamId, recent))) as any;
    },
  );

  return app;
}
