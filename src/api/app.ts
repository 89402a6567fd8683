import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { ApiDeps } from "./deps.js";
import { ApiError, errorBody } from "./errors.js";
import { requireToken } from "./auth.js";
import { streamRoutes } from "./routes/streams.js";
import { destinationRoutes } from "./routes/destinations.js";
import { healthRoutes } from "./routes/health.js";

export const API_PREFIX = "/api/v1";

/** The HTTP API: every route under /api/v1 needs the token; errors always have one JSON shape. */
export function createApi(deps: ApiDeps): OpenAPIHono {
  const app = new OpenAPIHono();

  app.get("/healthz", (c) => c.json({ ok: true }));
  app.use(`${API_PREFIX}/*`, requireToken(deps.adminToken));
  app.route(API_PREFIX, streamRoutes(deps));
  app.route(API_PREFIX, destinationRoutes(deps));
  app.route(API_PREFIX, healthRoutes(deps));

  app.notFound((c) => c.json(errorBody("not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`), 404));
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
    deps.log.error({ err, method: c.req.method, path: new URL(c.req.url).pathname }, "API request failed");
    return c.json(errorBody("internal_error", "Something went wrong inside Prism; the server log has the details."), 500);
  });
  return app;
}

function httpCode(status: number): string {
  return ({ 400: "bad_request", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large", 415: "unsupported_media_type" } as Record<number, string>)[status] ?? "http_error";
}
