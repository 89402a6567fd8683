import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { createRoute, z } from "@hono/zod-openapi";
import { newRouter } from "../router.js";
import { OPENAPI_PATH } from "../paths.js";

export const DOCS_PATH = "/docs";
export const DOCS_BUNDLE_PATH = "/docs/scalar.js";
export const DOCS_INIT_PATH = "/docs/init.js";

/**
 * Scalar's settings. Everything the page needs comes from this Prism: no web fonts, telemetry or
 * hosted AI agent.
 */
const SCALAR_CONFIG = {
  url: OPENAPI_PATH,
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  mcp: { disabled: true },
  showDeveloperTools: "never",
};

/**
 * The page's start, a served file rather than an inline script (the page's CSP allows none). Loaded
 * before the bundle: it tells the zod inside Scalar not to probe for eval (a \`Function("")\` the CSP
 * refuses and reports), then starts Scalar once the bundle has run.
 */
const INIT_JS = `globalThis.__zod_globalConfig = { ...globalThis.__zod_globalConfig, jitless: true };
document.addEventListener("DOMContentLoaded", () => Scalar.createApiReference("#app", ${JSON.stringify(SCALAR_CONFIG)}));
`;

/** The page itself: its start, then the bundle; nothing inline (src/api/security-headers.ts). */
const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Prism API</title>
<link rel="icon" href="/favicon.ico" type="image/svg+xml">
</head>
<body>
<div id="app"></div>
<script src="${DOCS_INIT_PATH}"></script>
<script src="${DOCS_BUNDLE_PATH}"></script>
</body>
</html>
`;

/**
 * Scalar's standalone browser bundle, from the @scalar/api-reference package on disk: the docs page
 * must work on a LAN with no internet, so nothing is ever loaded from a CDN.
 */
function loadBundle(): { raw: Buffer; gzip: Buffer } {
  const entry = createRequire(import.meta.url).resolve("@scalar/api-reference");
  const raw = readFileSync(join(dirname(entry), "browser", "standalone.js"));
  return { raw, gzip: gzipSync(raw) };
}

/** GET /api/v1/openapi.json (the document), GET /docs (Scalar) and the bundle it runs on. */
export function docsRoutes(document: () => Record<string, unknown>) {
  const app = newRouter();
  let bundle: ReturnType<typeof loadBundle> | undefined;

  app.openapi(
    createRoute({
      method: "get",
      path: OPENAPI_PATH,
      summary: "This OpenAPI 3.1 document (no token needed)",
      responses: {
        200: {
          description: "The OpenAPI document",
          content: { "application/json": { schema: z.record(z.string(), z.unknown()).openapi({ example: { openapi: "3.1.0", info: { title: "Prism API" } } }) } },
        },
      },
    }),
    (c) => c.json(document(), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: DOCS_PATH,
      summary: "Interactive API reference (works offline; no token needed to read it)",
      responses: { 200: { description: "HTML page", content: { "text/html": { schema: z.string().openapi({ example: "<!doctype html>…" }) } } } },
    }),
    (c) => c.html(DOCS_HTML, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: DOCS_INIT_PATH,
      summary: "The docs page's start script (Scalar's settings), served as a file for the page's CSP",
      responses: { 200: { description: "JavaScript", content: { "text/javascript": { schema: z.string().openapi({ example: INIT_JS }) } } } },
    }),
    (c) => c.body(INIT_JS, 200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache" }),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: DOCS_BUNDLE_PATH,
      summary: "The Scalar browser bundle the docs page runs on, served locally",
      responses: { 200: { description: "JavaScript", content: { "text/javascript": { schema: z.string().openapi({ example: "/* Scalar */" }) } } } },
    }),
    (c) => {
      bundle ??= loadBundle();
      const gzip = /\bgzip\b/.test(c.req.header("accept-encoding") ?? "");
      const headers: Record<string, string> = {
        "Content-Type": "text/javascript; charset=utf-8",
        "Cache-Control": "public, max-age=86400",
        Vary: "Accept-Encoding",
      };
      if (gzip) headers["Content-Encoding"] = "gzip";
      return c.body(new Uint8Array(gzip ? bundle.gzip : bundle.raw), 200, headers);
    },
  );

  return app;
}
