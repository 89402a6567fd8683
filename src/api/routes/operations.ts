import { createRoute, z } from "@hono/zod-openapi";
import type { Metrics } from "../../metrics/metrics.js";
import { newRouter } from "../router.js";
import { alwaysReady, type NodeReadiness } from "../readiness.js";

export const METRICS_PATH = "/metrics";
export const HEALTHZ_PATH = "/healthz";

const NotReadySchema = z
  .object({
    ok: z.literal(false),
    store: z.enum(["up", "down"]).openapi({ description: "down: the database did not answer a trivial query (within 2 s)" }),
    draining: z.boolean().openapi({ description: "true: the node is shutting down and takes no new publishers" }),
    message: z.string(),
  })
  .openapi("NotReady");

/** What operators point tools at: a health probe (also the load balancer's check) and Prometheus metrics. */
export function operationsRoutes(metrics: Metrics, readiness: NodeReadiness = alwaysReady) {
  const app = newRouter();

  app.openapi(
    createRoute({
      method: "get",
      path: HEALTHZ_PATH,
      summary: "Health probe for load balancers (no token needed): 503 while the database is unreachable or the node drains",
      responses: {
        200: { description: "Prism is up and takes new work", content: { "application/json": { schema: z.object({ ok: z.literal(true) }).openapi({ example: { ok: true } }) } } },
        503: {
          description: "Up, but send new publishers and requests elsewhere: its database is unreachable, or it is shutting down (live streams go on)",
          content: {
            "application/json": {
              schema: NotReadySchema,
              example: { ok: false, store: "down", draining: false, message: "The database is unreachable: writes fail with 503 store_unavailable until it is back; live streams keep flowing." },
            },
          },
        },
      },
    }),
    async (c) => {
      const draining = readiness.draining();
      const store = (await readiness.storeUp()) ? ("up" as const) : ("down" as const);
      if (!draining && store === "up") return c.json({ ok: true as const }, 200);
      const message = draining
        ? "This node is shutting down: it takes no new publishers; live streams end or move to another node."
        : "The database is unreachable: writes fail with 503 store_unavailable until it is back; live streams keep flowing.";
      return c.json({ ok: false as const, store, draining, message }, 503);
    },
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
