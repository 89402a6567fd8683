import type { Context, Hono, MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { errorBody } from "./errors.js";
import { ACTIONS_PREFIX, API_PREFIX } from "./paths.js";

/**
 * The node-aware router of a cluster (issue #21, as LiveKit routes a room's signals to the node that hosts it):
 * a request that only the node owning a live stream can serve (it needs that node's chat readers, recording or
 * relay) is sent to the owner over NATS, run there through the owner's own app, and its answer is given back
 * unchanged. Paths, shapes and the OpenAPI document do not change. Without a router (a single node) nothing here
 * does anything.
 */

/** A request as it travels to the owner: the body as base64, so any bytes survive JSON. */
export interface ForwardedRequest {
  method: string;
  /** The path, from /api/v1 on. */
  path: string;
  /** The query string without "?" ("" for none). */
  query: string;
  headers: Record<string, string>;
  /** base64, or null without a body. */
  body: string | null;
}

/** The owner's answer: status, the headers a client needs, and the body as base64. */
export interface ForwardedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What the router needs of the cluster (src/cluster/http-forward.ts and the stream ownership give it). */
export interface StreamRouter {
  /** This node's id. */
  nodeId: string;
  /** The node the stream is live on, or null when it is not live anywhere. Throws while that cannot be told (NATS down). */
  ownerOf(streamId: string): Promise<string | null>;
  /**
   * Runs the request on `nodeId` and returns its answer. Throws when the node cannot be reached (the error's
   * message says why); an error with a numeric `status` (413: too large to send, 502: the answer was too large)
   * is answered with that status.
   */
  forward(nodeId: string, request: ForwardedRequest): Promise<ForwardedResponse>;
  /** Whether this node holds a fresh health snapshot of a stream live elsewhere (then its health is answered here). */
  hasFreshHealth?(streamId: string): boolean;
}

/** The headers a forwarded request carries: credentials, what the body is and what the client accepts. */
const REQUEST_HEADERS = ["authorization", "content-type", "accept", "cookie", "x-csrf-token"];

/** The headers of the owner's answer that reach the client; hop-by-hop and per-node ones stay behind. */
const RESPONSE_HEADERS = ["content-type", "cache-control", "etag", "last-modified", "retry-after", "allow", "location", "content-disposition", "www-authenticate", "ratelimit", "ratelimit-policy"];

/** Where on the owner a forwarded request is addressed (its app never looks at the host). */
const OWNER_ORIGIN = "http://owner.prism.internal";

const STREAM_ID = "([A-Za-z0-9_-]{1,128})";
const SEGMENT = "[^/]+";

interface OwnerBoundRoute {
  method: string;
  pattern: RegExp;
  /** Where the stream id comes from: the path, or the action token in the path. */
  stream: "path" | "action-token";
  /** The health snapshot: answered here while this node's mirror of it is fresh. */
  health?: true;
}

const streamRoute = (method: string, rest: string, extra: Partial<OwnerBoundRoute> = {}): OwnerBoundRoute => ({
  method,
  pattern: new RegExp(`^${API_PREFIX}/streams/${STREAM_ID}${rest}$`),
  stream: "path",
  ...extra,
});

/** The operations only a live stream's owner can carry out (cluster-plan.md §2.3); every other route is served by any node. */
export const OWNER_BOUND_ROUTES: readonly OwnerBoundRoute[] = [
  streamRoute("POST", "/comments"),
  streamRoute("POST", `/comments/${SEGMENT}/hide`),
  streamRoute("POST", "/chat-blocks"),
  streamRoute("DELETE", `/chat-blocks/${SEGMENT}/${SEGMENT}`),
  streamRoute("PUT", "/chat-modes"),
  streamRoute("POST", "/clips"),
  streamRoute("POST", "/markers"),
  streamRoute("GET", "/thumbnail\\.jpg"),
  streamRoute("GET", "/health/history"),
  streamRoute("GET", "/health", { health: true }),
  { method: "POST", pattern: new RegExp(`^${ACTIONS_PREFIX}/(${SEGMENT})/(?:send-comment|clip-live|add-marker)$`), stream: "action-token" },
];

/**
 * Changes to a stream that its owner applies live (it hears them as config.* events over NATS): any node stores
 * them, but only while it can tell where the stream is live. Otherwise the owner would go on with the old
 * settings (a destination switched off that keeps receiving, an old key still publishing), so they are refused.
 */
export const LIVE_CONFIG_ROUTES: readonly OwnerBoundRoute[] = [
  streamRoute("PATCH", ""),
  streamRoute("DELETE", ""),
  streamRoute("POST", "/destinations"),
  streamRoute("PATCH", `/destinations/${SEGMENT}`),
  streamRoute("DELETE", `/destinations/${SEGMENT}`),
  streamRoute("POST", "/rotate-key"),
  streamRoute("POST", "/chat-filters"),
  streamRoute("DELETE", `/chat-filters/${SEGMENT}`),
];

function matchRoute(routes: readonly OwnerBoundRoute[], method: string, path: string): { route: OwnerBoundRoute; key: string } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (match?.[1]) return { route, key: match[1] };
  }
  return undefined;
}

/** The owner-bound route a request is for, with the stream id or action token it names. */
export function ownerBoundRoute(method: string, path: string): { route: OwnerBoundRoute; key: string } | undefined {
  return matchRoute(OWNER_BOUND_ROUTES, method, path);
}

/** Marks a request the owner runs for another node: unforgeable from outside, as it is not in the request. */
const FORWARDED = Symbol("prism.forwarded");
type ForwardedEnv = { [FORWARDED]?: true };

/** True for a request another node forwarded here (it is not forwarded again, nor rate-limited twice). */
export function isForwarded(c: Context): boolean {
  return (c.env as ForwardedEnv | undefined)?.[FORWARDED] === true;
}

/** `middleware`, skipped for forwarded requests (the rate limit: the node the client called has counted it). */
export function unlessForwarded(middleware: MiddlewareHandler<any>): MiddlewareHandler<any> {
  return (c, next) => (isForwarded(c) ? next() : middleware(c, next));
}

interface RoutingState {
  router: StreamRouter | null;
}

const states = new WeakMap<object, RoutingState>();

export interface ClusterRoutingOptions {
  /** The stream an action token acts on (undefined: unknown token, answered here as usual). */
  actionTokenStream(token: string): Promise<string | undefined>;
}

/**
 * The middleware createApi mounts twice: before the action routes (they carry their own token) and after the
 * Bearer token and rate limit (so the node the client called refuses a bad token itself, and counts the request).
 * It forwards nothing until `routeStreamsThrough(app, router)` gives it a router.
 */
export function clusterRouting(app: Hono<any>, options: ClusterRoutingOptions): { actions: MiddlewareHandler; streams: MiddlewareHandler } {
  const state: RoutingState = { router: null };
  states.set(app, state);
  const middleware =
    (kind: OwnerBoundRoute["stream"]): MiddlewareHandler =>
    async (c, next) => {
      const router = state.router;
      if (!router || isForwarded(c)) return next();
      if (kind === "path") {
        const config = matchRoute(LIVE_CONFIG_ROUTES, c.req.method, c.req.path);
        if (config) return (await refuseUnlessOwnerKnown(c, router, config.key)) ?? next();
      }
      const bound = ownerBoundRoute(c.req.method, c.req.path);
      if (!bound || bound.route.stream !== kind) return next();
      const streamId = kind === "path" ? bound.key : await options.actionTokenStream(bound.key);
      if (streamId === undefined || (bound.route.health && router.hasFreshHealth?.(streamId))) return next();
      return (await routeToOwner(c, router, streamId)) ?? next();
    };
  return { actions: middleware("action-token"), streams: middleware("path") };
}

/** Starts (or with null, stops) sending owner-bound requests to their owner. The service calls it once it joined the cluster. */
export function routeStreamsThrough(app: Hono<any>, router: StreamRouter | null): void {
  const state = states.get(app);
  if (!state) throw new Error("This app has no cluster routing mounted (createApi mounts it)");
  state.router = router;
}

/** The owner's answer, or undefined when this node is the owner or the stream is not live (served here). */
async function routeToOwner(c: Context, router: StreamRouter, streamId: string): Promise<Response | undefined> {
  let owner: string | null;
  try {
    owner = await router.ownerOf(streamId);
  } catch (err) {
    return unavailable(c, `Cannot tell which node stream ${streamId} is live on (${reason(err)}); try again shortly.`);
  }
  if (owner === null || owner === router.nodeId) return undefined;
  // Read before asking: a body over the API's limit fails here with the limit's own 413.
  const request = await forwardedRequest(c);
  let answer: ForwardedResponse;
  try {
    answer = await router.forward(owner, request);
  } catch (err) {
    const status = (err as { status?: unknown }).status;
    if (status === 413) return c.json(errorBody("payload_too_large", `${(err as Error).message}. Stream ${streamId} is live on node ${owner}: send a smaller body.`), 413);
    if (status === 502) return c.json(errorBody("bad_gateway", `${(err as Error).message}.`), 502);
    return unavailable(c, `Stream ${streamId} is live on node ${owner}, which this node cannot reach (${reason(err)}); try again shortly.`);
  }
  return new Response(answer.status === 204 || answer.status === 304 ? null : Buffer.from(answer.body, "base64"), { status: answer.status, headers: answer.headers });
}

/** A 503 when this node cannot tell where the stream is live (the change might not reach its owner), else undefined. */
async function refuseUnlessOwnerKnown(c: Context, router: StreamRouter, streamId: string): Promise<Response | undefined> {
  try {
    await router.ownerOf(streamId);
    return undefined;
  } catch (err) {
    return unavailable(c, `Nothing was changed: stream ${streamId} may be live on another node, and this node cannot tell (${reason(err)}), so the change might not reach it; try again shortly.`);
  }
}

function unavailable(c: Context, message: string): Response {
  return c.json(errorBody("cluster_unavailable", message), 503, { "Retry-After": "2" });
}

/** An error's message without a trailing "; try again shortly", which the caller's sentence ends with. */
function reason(err: unknown): string {
  return String((err as Error)?.message ?? err).replace(/[;,.]?\s*try again (shortly|in a few seconds)\.?$/i, "");
}

async function forwardedRequest(c: Context): Promise<ForwardedRequest> {
  const headers: Record<string, string> = {};
  for (const name of REQUEST_HEADERS) {
    const value = c.req.header(name);
    if (value !== undefined) headers[name] = value;
  }
  const hasBody = c.req.method !== "GET" && c.req.method !== "HEAD";
  const body = hasBody ? Buffer.from(await c.req.arrayBuffer()) : undefined;
  const url = new URL(c.req.url);
  return { method: c.req.method, path: c.req.path, query: url.search.slice(1), headers, body: body && body.length > 0 ? body.toString("base64") : null };
}

/**
 * The owner's side: runs a request another node forwarded through this node's own app, marked as forwarded,
 * and returns its answer. Only owner-bound routes are run: a forwarded request cannot reach anything else.
 */
export async function answerForwarded(app: Hono<any>, request: ForwardedRequest): Promise<ForwardedResponse> {
  const url = new URL(request.path, OWNER_ORIGIN);
  url.search = request.query;
  // Checked as the app will route it ("." and ".." segments resolved).
  if (!ownerBoundRoute(request.method, request.path) || !ownerBoundRoute(request.method, url.pathname)) {
    return jsonAnswer(400, errorBody("bad_request", `${request.method} ${request.path} is not an operation one node forwards to another.`));
  }
  const body = request.body === null ? null : Buffer.from(request.body, "base64");
  const headers = new Headers(request.headers);
  // A known length lets the body limit check it up front, as it does for a client's request.
  if (body) headers.set("content-length", String(body.length));
  const env: ForwardedEnv = { [FORWARDED]: true };
  const res = await app.fetch(new Request(url, { method: request.method, headers, body }), env);
  const answerHeaders: Record<string, string> = {};
  for (const name of RESPONSE_HEADERS) {
    const value = res.headers.get(name);
    if (value !== null) answerHeaders[name] = value;
  }
  return { status: res.status, headers: answerHeaders, body: Buffer.from(await res.arrayBuffer()).toString("base64") };
}

function jsonAnswer(status: ContentfulStatusCode, value: unknown): ForwardedResponse {
  return { status, headers: { "content-type": "application/json" }, body: Buffer.from(JSON.stringify(value)).toString("base64") };
}
