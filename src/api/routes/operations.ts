import { createRoute, z } from "@hono/zod-openapi";
import type { Metrics } from "../../metrics/metrics.js";
import { newRouter } from "../router.js";

export const METRICS_PATH = "/metrics";
export const HEALTHZ_PATH = "/healthz";

/** What operators point tools at: a liveness probe and Prometheus metrics. */
export function operationsRoutes(metrics: Metrics) {
  const app = newRouter();

  app.openapi(
    createRoute({
      method: "get",
      path: HEALTHZ_PATH,
      summary: "Liveness probe (no token needed)",
      responses: { 200: { description: "Prism is up", content: { "application/json": { schema: z.object({ ok: z.literal(true) }).openapi({ example: { ok: true } }) } } } },
    }),
    (c) => c.json({ ok: true as const }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: METRICS_PATH,
      summary: "Prometheus metrics: ingest and destination health, HTTP latency, process",
      description:
        "Text exposition format. Labels carry stream and destination names and ids, never keys. Needs a token with the read scope unless PRISM_METRICS_PUBLIC=true; in Prometheus use `authorization: { type: Bearer, credentials_file: … }`.",
      responses: {
        200: {
          description: "Metrics",
          content: {
            "text/plain": {
              schema: z.string().openapi({
                example: '# HELP prism_destination_bitrate_bits_per_second Bitrate sent to the destination\nprism_destination_bitrate_bits_per_second{stream="Main",stream_id="5b0c…",destination="Main",destination_id="9f1e…"} 6021000\n',
              }),
            },
          },
        },
      },
    }),
    async (c) => c.text(await metrics.scrape(), 200, { "Content-Type": metrics.registry.contentType }),
  );

  return app;
}
