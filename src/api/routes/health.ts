import { createRoute } from "@hono/zod-openapi";
import type { ApiDeps } from "../deps.js";
import { json, newRouter } from "../router.js";
import { commonErrors, notFound, notFoundError } from "../errors.js";
import { IdParam, StreamHealthSchema } from "../schemas.js";
import type { DestinationTranscode } from "../../relay/transcode/transcoding.js";
import { EMPTY_TALLY } from "../../core/destination-tally.js";
import { describeIngest } from "../../core/ingest-status.js";

export function healthRoutes({ streams, destinations, relay, platformHealth, recordings, viewersTotal }: ApiDeps) {
  const app = newRouter();

  app.openapi(
    createRoute({
      method: "get",
      path: "/streams/{id}/health",
      summary: "Live state of the ingest and of each destination",
      request: { params: IdParam },
      responses: { 200: json(StreamHealthSchema, "Health"), ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await streams.get(id))) throw notFound("Stream");
      const live = relay.isLive(id);
      const source = relay.ingestSource(id);
      const ingestState = source?.source ?? ("offline" as const);
      const slateUntil = source?.slateUntil ?? null;
      return c.json(
        {
          live,
          ingestState,
          slateUntil,
          ingestStatus: describeIngest(ingestState, slateUntil),
          ingestWarnings: source?.warnings ?? [],
          recording: await recordings.status(id),
          ingest: relay.ingestHealth(id),
          viewers: (live && viewersTotal?.(id)) || null,
          destinations: (await destinations.summaries(id)).map((d) => {
            const runtime = relay.outputHealth(id, d.id);
            const view = live ? relay.destinationTranscode(id, d.id) : undefined;
            // Auto mode measures the ingest before the output starts: to the streamer it is connecting.
            const measuring = view?.mode === "measuring";
            return {
              id: d.id,
              name: d.name,
              enabled: d.enabled,
              ...(runtime ?? idleHealth),
              // A destination that is not running now reads as idle (enabled) or stopped (disabled).
              state: runtime && live ? runtime.state : measuring ? ("connecting" as const) : d.enabled ? ("idle" as const) : ("stopped" as const),
              warnings: view?.warnings ?? [],
              transcode: view ? withoutWarnings(view) : null,
              ...(platformHealth?.(id, d) ?? { chat: null, quota: null, viewers: null }),
            };
          }),
        },
        200,
      );
    },
  );

  return app;
}

function withoutWarnings({ warnings: _warnings, ...transcode }: DestinationTranscode): Omit<DestinationTranscode, "warnings"> {
  return transcode;
}

const idleHealth = {
  bitrateKbps: 0,
  bytesOut: 0,
  fps: 0,
  ...EMPTY_TALLY,
  nextRetryAt: null,
  uptimeMs: 0,
  queuedBytes: 0,
};
