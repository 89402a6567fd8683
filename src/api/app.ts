import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ApiDeps } from "./deps.js";
import { ApiError, errorBody, storeUnavailable } from "./errors.js";
import { createAuthenticator, requireToken, requiredScope, type AuthEnv } from "./auth.js";
import { limitPerToken } from "./rate-limit.js";
import { limitBody, requireJsonBody } from "./body-guards.js";
import { allowedMethods } from "./method-not-allowed.js";
import { clusterRouting, unlessForwarded } from "./cluster-routing.js";
import type { NodeReadiness } from "./readiness.js";
import { observeRequests } from "./observe.js";
import { buildOpenApiDocument } from "./openapi.js";
import { ACTIONS_PREFIX, API_PREFIX, OAUTH_CALLBACK_DOC_PATH, OPENAPI_PATH, isOAuthCallback, isUnder } from "./paths.js";
import { streamRoutes } from "./routes/streams.js";
import { destinationRoutes } from "./routes/destinations.js";
import { healthRoutes } from "./routes/health.js";
import { tokenRoutes } from "./routes/tokens.js";
import { DOCS_BUNDLE_PATH, DOCS_INIT_PATH, DOCS_PATH, docsRoutes } from "./routes/docs.js";
import { securityHeaders } from "./security-headers.js";
import { HEALTHZ_PATH, METRICS_PATH, operationsRoutes } from "./routes/operations.js";
import { webhookRoutes } from "./routes/webhooks.js";
import { eventRoutes } from "./routes/events.js";
import { scheduledEventRoutes } from "./routes/scheduled-events.js";
import type { ScheduleApi } from "../schedule/index.js";
import { actionTokenRoutes } from "./routes/action-tokens.js";
import { actionRoutes } from "./routes/actions.js";
import type { AutomationApi } from "../webhooks/index.js";
import { accountRoutes } from "./routes/accounts.js";
import { oauthCallbackRoutes } from "./routes/oauth-callback.js";
import type { AccountsApi } from "../oauth/index.js";
import type { CommentsApi } from "../comments/index.js";
import { commentRoutes } from "./routes/comments.js";
import { sessionRoutes, type SessionsView } from "./routes/sessions.js";
import { commentsWebSocket } from "./routes/comments-ws.js";
import { OVERLAY_DOC_PATHS, overlayRoutes } from "./routes/overlay.js";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { healthStreamRoutes } from "./routes/health-stream.js";
import { recordingRoutes } from "./routes/recordings.js";
import { previewRoutes } from "./routes/preview.js";
import { mountPlatformRoutes, platformCatalogRoutes } from "./routes/platforms.js";
import { dashboard } from "../web/routes.js";
import { MEDIA_UPLOAD_PATH, mediaRoutes } from "./routes/media.js";
import type { MediaApi } from "../media-library/index.js";
import { dashboardSessions } from "../web/session.js";
import { clusterRoutes } from "./routes/cluster.js";
import type { ClusterView } from "../cluster-node.js";

export { API_PREFIX };

export interface Api {
  app: OpenAPIHono<AuthEnv>;
  /** For the HTTP server's `upgrade` event (the chat WebSocket); false: not a path of ours. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close(): void;
}

/**
 * The HTTP API. Every route under /api/v1 needs a token with the scope its method needs, except the
 * OpenAPI document and the action endpoints (which carry their own token); errors always have one
 * JSON shape.
 */
export function createApi(
  deps: ApiDeps & {
    automation: AutomationApi;
    accounts: AccountsApi;
    comments: CommentsApi;
    /** Broadcast sessions and their reports (issue #17). */
    sessions: SessionsView;
    media: MediaApi;
    schedule: ScheduleApi;
    oauthRedirectUri: (platform: string) => string;
    publicUrl: () => string;
    /** What platforms' own routes need (routes/platforms.ts). */
    platforms: Parameters<typeof mountPlatformRoutes>[1];
    /** What /healthz checks beyond the process answering (absent: always ready). */
    readiness?: NodeReadiness;
    /** The cluster's nodes (issue #21), or this Prism alone. */
    cluster: ClusterView;
  },
): Api {
  const app = new OpenAPIHono<AuthEnv>();
  // The OAuth callback's template is listed so the OpenAPI document marks it public; requests are let through by isOAuthCallback.
  const publicPaths = new Set([OPENAPI_PATH, HEALTHZ_PATH, DOCS_PATH, DOCS_BUNDLE_PATH, DOCS_INIT_PATH, OAUTH_CALLBACK_DOC_PATH, ...OVERLAY_DOC_PATHS, ...(deps.http.metricsPublic ? [METRICS_PATH] : [])]);
  const needsToken = (path: string) => !publicPaths.has(path) && !isUnder(path, ACTIONS_PREFIX) && !isOAuthCallback(path);
  const only = (applies: (path: string) => boolean, middleware: MiddlewareHandler<any>): MiddlewareHandler<AuthEnv> => (c, next) =>
    applies(c.req.path) ? middleware(c, next) : next();
  const onlyMethods = (methods: string[], middleware: MiddlewareHandler<any>): MiddlewareHandler<AuthEnv> => (c, next) =>
    methods.includes(c.req.method) ? middleware(c, next) : next();

  const rateLimit = limitPerToken({ limit: deps.http.rateLimitPerMinute, windowMs: 60_000 });
  const authenticator = createAuthenticator(deps.auth.admin, deps.auth.tokens);
  const sessions = dashboardSessions(deps.auth.sessions, authenticator);
  const guarded = only(needsToken, requireToken(authenticator, (c: Context) => requiredScope(c.req.method, c.req.path), sessions.fromCookie));

  app.use("*", observeRequests(deps.metrics, deps.log));
  // First, so every answer has them, refusals and errors included.
  app.use("*", securityHeaders());
  // Only requests that can carry a body: for a GET, merely asking for the body would make the node
  // adapter build a full Request object, a cost every read would pay.
  // A video upload streams to disk under its own limit (PRISM_MEDIA_MAX_MB), checked as it arrives.
  const smallBody = (path: string) => path !== MEDIA_UPLOAD_PATH;
  app.use("*", onlyMethods(["POST", "PUT", "PATCH", "DELETE"], only(smallBody, limitBody(deps.http.maxBodyBytes))));
  // Action URLs carry their own token: registered before the Bearer-token middleware so they work
  // whatever that middleware becomes.
  // In a cluster, requests only a live stream's owner can serve go there (routeStreamsThrough); inert on one node.
  const toOwner = clusterRouting(app, { actionTokenStream: async (token) => (await deps.automation.actionTokens.findByToken(token))?.streamId });
  app.use(`${ACTIONS_PREFIX}/*`, toOwner.actions);
  app.route(API_PREFIX, actionRoutes(deps));
  app.use(`${API_PREFIX}/*`, guarded);
  app.use(METRICS_PATH, guarded);
  app.use(`${API_PREFIX}/*`, only(needsToken, unlessForwarded(rateLimit.middleware)));
  app.use(METRICS_PATH, only(needsToken, rateLimit.middleware));
  app.use(`${API_PREFIX}/*`, only((path) => !isUnder(path, ACTIONS_PREFIX) && smallBody(path), requireJsonBody()));
  app.use(`${API_PREFIX}/*`, toOwner.streams);

  app.route(API_PREFIX, streamRoutes(deps));
  app.route(API_PREFIX, destinationRoutes(deps));
  app.route(API_PREFIX, healthRoutes(deps));
  app.route(API_PREFIX, healthStreamRoutes(deps));
  app.route(API_PREFIX, previewRoutes(deps));
  app.route(API_PREFIX, tokenRoutes(deps));
  app.route(API_PREFIX, webhookRoutes(deps));
  app.route(API_PREFIX, eventRoutes(deps));
  // After the event log's routes: /events/types is matched before /events/{eventId} (whose ids start with sev_ anyway).
  app.route(API_PREFIX, scheduledEventRoutes({ schedule: deps.schedule, streamExists: async (id) => (await deps.streams.get(id)) !== undefined }));
  app.route(API_PREFIX, actionTokenRoutes(deps));
  app.route(API_PREFIX, accountRoutes({ accounts: deps.accounts, redirectUri: deps.oauthRedirectUri }));
  app.route(API_PREFIX, oauthCallbackRoutes({ accounts: deps.accounts }));
  app.route(API_PREFIX, platformCatalogRoutes());
  app.route(API_PREFIX, recordingRoutes(deps));
  app.route(API_PREFIX, mediaRoutes({ media: deps.media, eventsNaming: (mediaId) => deps.schedule.namingMedia(mediaId) }));
  // A platform's own routes (a webhook it signs) may authenticate on their own, instead of the Bearer token.
  for (const path of mountPlatformRoutes(app, deps.platforms)) publicPaths.add(path);
  app.route(API_PREFIX, commentRoutes({ streams: deps.streams, comments: deps.comments, publicUrl: deps.publicUrl }));
  app.route(API_PREFIX, sessionRoutes({ streams: deps.streams, sessions: deps.sessions }));
  app.route(API_PREFIX, clusterRoutes({ cluster: deps.cluster }));
  // The overlay's token is its own credential (read-only, one stream), outside the Bearer-guarded prefix.
  app.route("/", overlayRoutes({ comments: deps.comments }));
  app.route("/", operationsRoutes(deps.metrics, deps.readiness));
  // The dashboard (issue #9): its page and assets are public; its login turns a token into the cookie session above.
  app.use("*", dashboard({ auth: authenticator, sessions }));
  let document: Record<string, unknown> | undefined;
  // Built on first request, when every module has registered its routes.
  app.route("/", docsRoutes(() => (document ??= buildOpenApiDocument(app, { publicPaths }))));

  const allowed = allowedMethods(app);
  app.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    const methods = allowed(path);
    if (methods.length > 0) {
      c.header("Allow", methods.join(", "));
      return c.json(errorBody("method_not_allowed", `${c.req.method} is not allowed on ${path}; it answers to ${methods.join(", ")}.`, { allowed: methods }), 405);
    }
    return c.json(errorBody("not_found", `No route for ${c.req.method} ${path}. The API reference is at ${DOCS_PATH}.`), 404);
  });
  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(errorBody(err.code, err.message, err.details), err.status);
    if (err instanceof HTTPException) {
      const message =
        err.status === 400
          ? `Bad request: ${err.message || "the body is not valid JSON"}.`
          : err.status === 415
            ? "Send the request body as JSON with the header 'Content-Type: application/json'."
            : err.message || "Request refused.";
      return c.json(errorBody(httpCode(err.status), message), err.status);
    }
    const storeDown = storeUnavailable(err);
    if (storeDown) {
      // Not the driver's message: drizzle's names the query and its parameters.
      deps.log.warn({ method: c.req.method, detail: storeDown.message }, "API request refused: the store is unreachable");
      return c.json(errorBody(storeDown.code, storeDown.message), storeDown.status, { "Retry-After": "5" });
    }
    // The details go to the log only: no stack trace or internal message ever reaches a client.
    deps.log.error({ err, method: c.req.method, path: isUnder(c.req.path, ACTIONS_PREFIX) ? ACTIONS_PREFIX : c.req.path }, "API request failed");
    return c.json(errorBody("internal_error", "Something went wrong inside Prism; the server log has the details."), 500);
  });
  const chatSocket = commentsWebSocket({ auth: authenticator, streams: deps.streams, comments: deps.comments });
  return {
    app,
    upgrade: (req, socket, head) => chatSocket.handleUpgrade(req, socket, head),
    close: () => {
      rateLimit.close();
      chatSocket.close();
    },
  };
}

function httpCode(status: number): string {
  return (
    ({ 400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large", 415: "unsupported_media_type", 429: "rate_limited" } as Record<number, string>)[status] ??
    "http_error"
  );
}
