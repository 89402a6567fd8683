import { createRoute, z } from "@hono/zod-openapi";
import type { ApiDeps } from "../deps.js";
import { json, newRouter } from "../router.js";
import { ApiError, commonErrors, notFound, notFoundError, ErrorSchema } from "../errors.js";
import { IdParam } from "../schemas.js";

const BitrateHistorySchema = z
  .object({
    intervalMs: z.number().int().openapi({ description: "Time between two samples", example: 1000 }),
    ingest: z.array(z.number()).openapi({ description: "What goes on air, kbps, oldest first (at most 5 minutes)" }),
    destinations: z.array(z.object({ id: z.string(), samples: z.array(z.number()).openapi({ description: "kbps, 0 while the destination is not live, oldest first" }) })),
  })
  .openapi("BitrateHistory", { example: { intervalMs: 1000, ingest: [6012, 6120, 5980], destinations: [{ id: "9f1e…", samples: [6010, 6115, 0] }] } });

const ThumbnailQuery = z.object({
  quiet: z
    .enum(["1", "true"])
    .optional()
    .openapi({ param: { name: "quiet", in: "query" }, description: "Answer 204 instead of 404 when there is no picture", example: "1" }),
});

const unavailable = {
  503: {
    description: "The stream's preview is at its viewer limit",
    content: { "application/json": { schema: ErrorSchema, example: { error: { code: "preview_full", message: "Main already has 4 preview players open, the most Prism serves per stream; close one and try again." } } } },
  },
} as const;

/**
 * What Prism receives, shown back to the streamer: a thumbnail of the latest keyframe, a live
 * HTTP-FLV preview for the dashboard's player, and the last minutes of bitrate for its sparklines.
 */
export function previewRoutes({ streams, preview }: ApiDeps) {
  const app = newRouter();
  const streamOf = async (id: string) => {
    const stream = await streams.get(id);
    if (!stream) throw notFound("Stream");
    return stream;
  };
  const offline = (name: string) => new ApiError(404, "not_live", `${name} is not live: there is no picture until OBS publishes to it.`);

  app.openapi(
    createRoute({
      method: "get",
      path: "/streams/{id}/thumbnail.jpg",
      summary: "A JPEG of the stream's latest keyframe",
      description: `Decoded from the latest keyframe at most once every ${preview.thumbnailRefreshSeconds} s however many clients ask (they share one decode); 404 when the stream is not live or has sent no keyframe yet, or 204 with \`?quiet=1\` (for pages that poll: browsers log every 404 as an error).`,
      request: { params: IdParam, query: ThumbnailQuery },
      responses: {
        200: { description: "The picture", content: { "image/jpeg": { schema: z.string().openapi({ format: "binary" }), example: "(JPEG bytes)" } } },
        204: { description: "No picture (offline, or no keyframe yet), asked with ?quiet=1" },
        ...commonErrors,
        ...notFoundError,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const stream = await streamOf(id);
      const thumbnail = await preview.thumbnail(id);
      if (!thumbnail && c.req.valid("query").quiet) return c.body(null, 204, { "Cache-Control": "no-store" }) as any;
      if (!thumbnail) {
        if (!preview.isLive(id)) throw offline(stream.name);
        throw new ApiError(404, "no_picture_yet", `${stream.name} is live but has sent no keyframe yet; ask again in a few seconds.`);
      }
      return c.body(new Uint8Array(thumbnail.jpeg), 200, {
        "Content-Type": "image/jpeg",
        "Cache-Control": `private, max-age=${preview.thumbnailRefreshSeconds}`,
        "Last-Modified": thumbnail.takenAt.toUTCString(),
      }) as any;
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/streams/{id}/preview.flv",
      summary: "The live stream as HTTP-FLV, for a preview player",
      description: `What Prism receives (or the slate), as an endless FLV (H.264/AAC as published) starting on the latest keyframe: what the dashboard's player (mpegts.js) plays. At most ${preview.maxViewersPerStream} at once per stream; a client that falls ${Math.round(preview.queueLimitBytes / 1024 / 1024)} MiB behind is cut; the body ends with the stream.`,
      request: { params: IdParam },
      responses: {
        200: { description: "An endless FLV", content: { "video/x-flv": { schema: z.string().openapi({ format: "binary" }), example: "(FLV bytes)" } } },
        ...commonErrors,
        ...notFoundError,
        ...unavailable,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const stream = await streamOf(id);
      const opened = preview.openLive(id);
      if (!opened.ok && opened.reason === "offline") throw offline(stream.name);
      if (!opened.ok) {
        c.header("Retry-After", "10");
        throw new ApiError(503, "preview_full", `${stream.name} already has ${preview.maxViewersPerStream} preview players open, the most Prism serves per stream; close one and try again.`);
      }
      return c.body(opened.body, 200, { "Content-Type": "video/x-flv", "Cache-Control": "no-store" }) as any;
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/streams/{id}/health/history",
      summary: "The last 5 minutes of the stream's bitrates (ingest and each destination)",
      description: "One sample a second, kept by Prism while the stream is live, so a page opened mid-stream draws its sparklines from the start. Empty series when the stream is not live.",
      request: { params: IdParam },
      responses: { 200: json(BitrateHistorySchema, "The kept samples"), ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await streamOf(id);
      return c.json(preview.history(id) ?? { intervalMs: preview.historyIntervalMs, ingest: [], destinations: [] }, 200);
    },
  );

  return app;
}
