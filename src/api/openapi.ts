import { readFileSync } from "node:fs";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { moderatorMay, requiredScope } from "./auth.js";
import { errorBody } from "./errors.js";
import { ACTIONS_PREFIX, API_PREFIX, OPENAPI_PATH, isUnder } from "./paths.js";

const VERSION = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

export const BEARER_SCHEME = "bearerAuth";

/** Routes outside /api/v1 that are open to everyone (when metrics are public, /metrics joins them). */
export interface OpenApiOptions {
  publicPaths: ReadonlySet<string>;
}

const DESCRIPTION = `Prism takes one RTMP stream from OBS and sends it, live, to every destination you set up.

**Authentication.** Every call needs \`Authorization: Bearer <token>\`. The admin token is printed at
start and kept in \`<data dir>/api-token\` (or set with \`PRISM_API_TOKEN\`); it can do everything.
Named tokens (\`POST /api/v1/tokens\`) carry scopes, which nest: \`read\` for every GET, \`write\` for
every change (implies read), \`admin\` for token management (implies write). Each operation lists the
scope it needs under its security requirement.

**Errors** always have one shape: \`{ "error": { "code", "message", "details"? } }\`; \`message\` says
what to do about it.

**Rate limit.** Each token may make \`PRISM_API_RATE_LIMIT\` requests per minute (default 6000).
Past that, 429 with \`Retry-After\`; every answer carries the draft-7 \`RateLimit\` headers.`;

/** The error responses the cross-cutting layers (auth, rate limit, body guards) can give, with examples. */
const ERROR_RESPONSES: Record<string, { description: string; example: ReturnType<typeof errorBody> }> = {
  "400": { description: "Invalid input", example: errorBody("validation_failed", "name: must not be empty", { issues: [{ path: "name", message: "must not be empty" }] }) },
  "401": { description: "Missing or wrong API token", example: errorBody("unauthorized", "The API token is not valid: it was mistyped, deleted or rotated.") },
  "403": {
    description: "The token lacks the scope this operation needs",
    example: errorBody("forbidden", 'The token "grafana" has the scope(s) read; PATCH /api/v1/streams/5b0c… needs write. Use a token with the write scope.', { needed: "write", granted: ["read"] }),
  },
  "404": { description: "Not found", example: errorBody("not_found", "Stream not found.") },
  "409": { description: "Conflict with the current state", example: errorBody("conflict", "A token named \"grafana\" already exists; pick another name or delete that one first.") },
  "413": { description: "Request body too large", example: errorBody("payload_too_large", "The request body is larger than 1024 KiB; Prism's API takes small JSON documents only.") },
  "415": { description: "Body is not JSON", example: errorBody("unsupported_media_type", "Send the request body as JSON with the header 'Content-Type: application/json'.") },
  "429": {
    description: "Too many requests with this token; see Retry-After",
    example: errorBody("rate_limited", 'Too many requests with the token "grafana": at most 6000 per 60 s. Try again in 12 s, or raise PRISM_API_RATE_LIMIT.', { limit: 6000, windowSeconds: 60, retryAfterSeconds: 12 }),
  },
  "500": { description: "Prism failed; its log has the details", example: errorBody("internal_error", "Something went wrong inside Prism; the server log has the details.") },
};

const errorContent = (status: string) => ({
  "application/json": { schema: { $ref: "#/components/schemas/Error" }, example: ERROR_RESPONSES[status]!.example },
});

type Json = Record<string, any>;
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"] as const;

/**
 * The OpenAPI 3.1 document, generated from the zod schemas the routes validate with, then completed
 * with what the cross-cutting middleware does to every route (auth and its scope, rate limit, body
 * guards): those rules live in one place in code, so they are added here in one place too.
 */
export function buildOpenApiDocument(app: OpenAPIHono<any>, options: OpenApiOptions): Json {
  app.openAPIRegistry.registerComponent("securitySchemes", BEARER_SCHEME, {
    type: "http",
    scheme: "bearer",
    description: "The admin token, or a named token from POST /api/v1/tokens.",
  });
  const doc = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: { title: "Prism API", version: VERSION, description: DESCRIPTION, license: { name: "MIT", url: "https://opensource.org/license/mit" } },
    servers: [{ url: "/", description: "This Prism" }],
  }) as Json;

  for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
    const honoPath = path.replace(/\{([^}]+)\}/g, ":$1");
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      op.tags ??= [tagFor(path)];
      op.responses ??= {};
      const isPublic = path === OPENAPI_PATH || options.publicPaths.has(path);
      const ownAuth = isUnder(path, ACTIONS_PREFIX);
      if (!ownAuth) {
        if (isPublic) {
          op.security = [];
        } else {
          const scope = requiredScope(method, honoPath);
          op.security = [{ [BEARER_SCHEME]: [scope] }];
          const moderator = moderatorMay(method, honoPath) ? " A `moderate` token may too." : "";
          op.description = [op.description, `Needs a token with the \`${scope}\` scope.${moderator}`].filter(Boolean).join("\n\n");
          addResponse(op, "401");
          addResponse(op, "403");
          addResponse(op, "429");
          op.responses["429"].headers = {
            "Retry-After": { description: "Seconds until the token may make requests again", schema: { type: "integer" } },
          };
        }
      }
      if (op.requestBody) {
        addResponse(op, "413");
        // Action URLs read JSON whatever the Content-Type says (IFTTT sends text/plain): no 415 there.
        if (!ownAuth) addResponse(op, "415");
      }
      addResponse(op, "500");
      for (const [status, response] of Object.entries<Json>(op.responses)) {
        const media = response.content?.["application/json"];
        if (media && ERROR_RESPONSES[status] && media.example === undefined && media.examples === undefined) {
          media.example = ERROR_RESPONSES[status]!.example;
        }
      }
    }
  }
  doc.security = [{ [BEARER_SCHEME]: [] }];
  return doc;
}

function addResponse(op: Json, status: string): void {
  op.responses[status] ??= { description: ERROR_RESPONSES[status]!.description, content: errorContent(status) };
}

function tagFor(path: string): string {
  if (path === OPENAPI_PATH || path.startsWith("/docs")) return "Documentation";
  if (!path.startsWith(API_PREFIX)) return "Operations";
  const rest = path.slice(API_PREFIX.length).split("/").filter(Boolean);
  if (rest[0] === "streams" && rest[2] === "destinations") return "Destinations";
  if (rest[0] === "streams" && rest[2] === "health") return "Health";
  const first = rest[0] ?? "api";
  return first.charAt(0).toUpperCase() + first.slice(1);
}
