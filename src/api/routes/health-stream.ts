import { createRoute, z } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import type { ApiDeps } from "../deps.js";
import { newRouter } from "../router.js";
import { commonErrors, notFound, notFoundError } from "../errors.js";
import { IdParam } from "../schemas.js";
import { healthRoutes } from "./health.js";

/** How often a health event is sent. */
const INTERVAL_MS = 1_000;

const SSE_EXAMPLE = 'event: health\ndata: {"live":true,"ingestState":"publisher","slateUntil":null,"ingest":{…},"destinations":[{"id":"9f1e…","state":"live","bitrateKbps":6120,…}]}\n\n';

/**
 * GET /streams/{id}/health as Server-Sent Events, about once a second, until the client goes (the
 * dashboard's live view). Each event is exactly the body GET /streams/{id}/health answers, taken
 * from that route itself so the two can never differ.
 */
export function healthStreamRoutes(deps: ApiDeps) {
  const app = newRouter();
  const health = healthRoutes(deps);

  app.openapi(
    createRoute({
      method: "get",
      path: "/streams/{id}/health/stream",
      summary: "Live health as Server-Sent Events (one `health` event a second)",
      description:
        "Each `health` event's data is the StreamHealth object GET /streams/{id}/health answers, sent about once a second; an `end` event (data `{\"reason\":\"stream_deleted\"}`) closes the feed when the stream is deleted. The server stops when the client disconnects.",
      request: { params: IdParam },
      responses: { 200: { description: "An endless event stream", content: { "text/event-stream": { schema: z.string(), example: SSE_EXAMPLE } } }, ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await deps.streams.get(id))) throw notFound("Stream");
      return streamSSE(c, async (stream) => {
        await stream.write("retry: 2000\n\n");
        while (!stream.aborted && !stream.closed) {
          const res = await health.request(`/streams/${encodeURIComponent(id)}/health`);
          if (res.status !== 200) {
            await stream.writeSSE({ event: "end", data: JSON.stringify({ reason: "stream_deleted" }) });
            break;
          }
          await stream.writeSSE({ event: "health", data: await res.text() });
          await stream.sleep(INTERVAL_MS);
        }
      }) as any;
    },
  );

  return app;
}
