import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { createRoute, z } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import { newRouter } from "../router.js";
import { OPENAPI_PATH } from "../paths.js";

export const DOCS_PATH = "/docs";
export const DOCS_BUNDLE_PATH = "/docs/scalar.js";

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

  const page = Scalar({
    url: OPENAPI_PATH,
    cdn: DOCS_BUNDLE_PATH,
    pageTitle: "Prism API",
    // Everything the page needs comes from this Prism: no web fonts, telemetry or hosted AI agent.
    withDefaultFonts: false,
    telemetry: false,
    agent: { disabled: true },
    mcp: { disabled: true },
    showDeveloperTools: "never",
  });
  app.openapi(
    createRoute({
      method: "get",
      path: DOCS_PATH,
      summary: "Interactive API reference (works offline; no token needed to read it)",
      responses: { 200: { description: "HTML page", content: { "text/html": { schema: z.string().openapi({ example: "<!doctype html>…" }) } } } },
    }),
    // Scalar's middleware answers with the page itself; it never calls next().
    (c) => page(c, async () => {}) as unknown as Response,
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
