import { createRoute, z } from "@hono/zod-openapi";
import { json, newRouter } from "../router.js";
import { ApiError, commonErrors, ErrorSchema } from "../errors.js";
import { ClusterViewUnavailable, type ClusterOverview, type ClusterView } from "../../cluster-node.js";

const NodeLoadSchema = z.object({
  cpu: z.number().openapi({ description: "The node's CPU use, in % of one core" }),
  streams: z.number().int().openapi({ description: "Streams live on the node" }),
  outputs: z.number().int().openapi({ description: "Destination outputs the node runs" }),
  bitrateKbps: z.number().openapi({ description: "Ingest bitrate received by the node, all streams added up" }),
});

const ClusterNodeSchema = z.object({
  nodeId: z.string().openapi({ description: "PRISM_NODE_ID" }),
  version: z.string(),
  httpUrl: z.string().openapi({ description: "Where the node's API answers" }),
  rtmpUrl: z.string().openapi({ description: "The node's own RTMP ingest (OBS uses the load balancer's)" }),
  startedAt: z.string().openapi({ format: "date-time" }),
  draining: z.boolean().openapi({ description: "Shutting down: refuses new publishers while its streams end or move" }),
  load: NodeLoadSchema,
  streams: z.array(z.string()).openapi({ description: "Ids of the streams live on the node (it holds their ownership lease)" }),
});

const clusterExample = {
  nodeId: "prism-1",
  clustered: true,
  nodes: [
    {
      nodeId: "prism-1",
      version: "0.1.0",
      httpUrl: "http://10.0.0.11:8080",
      rtmpUrl: "rtmp://10.0.0.11:1935/live",
      startedAt: "2026-12-06T08:00:00.000Z",
      draining: false,
      load: { cpu: 12.5, streams: 0, outputs: 0, bitrateKbps: 0 },
      streams: [],
    },
    {
      nodeId: "prism-2",
      version: "0.1.0",
      httpUrl: "http://10.0.0.12:8080",
      rtmpUrl: "rtmp://10.0.0.12:1935/live",
      startedAt: "2026-12-06T08:00:02.000Z",
      draining: false,
      load: { cpu: 48.1, streams: 1, outputs: 3, bitrateKbps: 6012 },
      streams: ["3f0c1a52-7b9e-4d2a-9c1e-5a8b7d6e4f21"],
    },
  ],
};

const ClusterSchema = z
  .object({
    nodeId: z.string().openapi({ description: "The node that answered" }),
    clustered: z.boolean().openapi({ description: "false for a single Prism (no PRISM_NATS_URL): the one node is itself" }),
    nodes: z.array(ClusterNodeSchema).openapi({ description: "Every live node, by id" }),
  })
  .openapi("Cluster", { example: clusterExample });

// The schema documents exactly what the view answers.
const sameShape: [z.infer<typeof ClusterSchema>, ClusterOverview] extends [ClusterOverview, z.infer<typeof ClusterSchema>] ? true : never = true;
void sameShape;

const unavailable = {
  503: {
    description: "This node cannot reach the cluster's coordination (NATS) right now",
    content: {
      "application/json": {
        schema: ErrorSchema,
        example: { error: { code: "cluster_unavailable", message: "Cluster coordination is unavailable (this node lost its connection to NATS); try again in a few seconds." } },
      },
    },
  },
} as const;

/** GET /cluster: the nodes, their load and the streams each one owns (issue #21). */
export function clusterRoutes({ cluster }: { cluster: ClusterView }) {
  const app = newRouter();
  app.openapi(
    createRoute({
      method: "get",
      path: "/cluster",
      summary: "The cluster's nodes, their load and version, and the streams live on each",
      description: "On a single Prism (no PRISM_NATS_URL) the answer lists this one node, with clustered: false.",
      responses: { 200: json(ClusterSchema, "The nodes"), ...commonErrors, ...unavailable },
    }),
    async (c) => {
      try {
        return c.json(await cluster.overview(), 200);
      } catch (err) {
        if (err instanceof ClusterViewUnavailable) throw new ApiError(503, "cluster_unavailable", err.message);
        throw err;
      }
    },
  );
  return app;
}
