import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { Hono, type MiddlewareHandler } from "hono";
import type { Authenticator } from "../api/auth.js";
import { errorBody } from "../api/errors.js";
import { getCookie } from "hono/cookie";
import { CSRF_COOKIE, SESSION_COOKIE, type DashboardSessions } from "./session.js";
import { platforms } from "../destinations/registry.js";
import { platformInfo } from "../api/routes/platforms.js";
import type { PlatformAdapter } from "../destinations/types.js";

/** The page's own files (one HTML shell, its ES modules, one CSS file), found from src/ and from dist/ alike. */
const PUBLIC_DIR = fileURLToPath(new URL("../../src/web/public/", import.meta.url));
const require = createRequire(import.meta.url);

/** Preact, htm and uPlot as shipped in node_modules: ES modules (and uPlot's stylesheet) the browser loads as they are, no build step, no CDN. */
const VENDOR: Record<string, () => string> = {
  "preact.mjs": () => require.resolve("preact"),
  "hooks.mjs": () => require.resolve("preact/hooks"),
  "htm.mjs": () => require.resolve("htm").replace(/htm\.js$/, "htm.module.js"),
  // The Sessions page's charts (issue #17): small (50 KB), no dependencies, canvas.
  "uplot.mjs": () => require.resolve("uplot/dist/uPlot.esm.js"),
  "uplot.css": () => require.resolve("uplot/dist/uPlot.min.css"),
  // The live preview's player: a UMD bundle the page loads as a classic script when a preview starts.
  "mpegts.js": () => require.resolve("mpegts.js"),
};
const ASSETS = new Set(["app.js", "api.js", "ui.js", "streams.js", "destinations.js", "accounts.js", "webhooks.js", "chat.js", "chat-tools.js", "chat-modes.js", "overlay-panel.js", "platforms.js", "slate.js", "title.js", "transcode.js", "sessions.js", "charts.js", "style.css", "media.js", "events.js", "event-log.js", "scope.js", "preview.js", "tokens.js", "ingest.js", "alerts.js", "recordings.js"]);
const TYPES: Record<string, string> = { js: "text/javascript; charset=utf-8", mjs: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8", html: "text/html; charset=utf-8" };

const PLATFORM_LIST = `// Generated from Prism's platform registry (src/destinations/registry.ts).\nexport const PLATFORMS = ${JSON.stringify(
  (Object.values(platforms) as PlatformAdapter[]).map((p) => ({ ...platformInfo(p), panel: p.dashboardPanel === true })),
)};\n`;

/** A platform's dashboard panel (its adapter's `dashboardPanel`), read from its folder under src/ from src/ and dist/ alike. */
const panelFile = (id: string) => fileURLToPath(new URL(`../../src/destinations/${id}/panel.js`, import.meta.url));
const withPanel = new Set((Object.values(platforms) as PlatformAdapter[]).filter((p) => p.dashboardPanel).map((p) => p.id));

const cache = new Map<string, string>();
async function load(path: string): Promise<string> {
  let text = cache.get(path);
  if (text === undefined) {
    text = await readFile(path, "utf8");
    if (process.env.NODE_ENV === "production") cache.set(path, text);
  }
  return text;
}

/**
 * The page's import map, exactly as index.html holds it: the one inline script the dashboard has
 * (browsers load no external import map), allowed by its hash in the CSP (src/api/security-headers.ts).
 */
export const DASHBOARD_IMPORT_MAP = /<script type="importmap">([\s\S]*?)<\/script>/.exec(readFileSync(join(PUBLIC_DIR, "index.html"), "utf8"))![1]!;

/** The paths the dashboard answers; everything else goes on to the API. */
const isDashboardPath = (path: string) => path === "/" || path === "/session" || path === "/favicon.ico" || path.startsWith("/assets/") || path.startsWith("/vendor/");

/** Prism's mark; browsers (and OBS's browser source, on the overlay page) ask for /favicon.ico and log a 404 as an error. */
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M8 1 15 8 8 15 1 8Z" fill="#5b3cc4"/></svg>`;

/**
 * The streamer's dashboard at `/`: the page and its assets (public, they hold no data), and the
 * login/logout endpoints that turn a typed API token into the cookie session the API accepts.
 * A middleware rather than routes of the API app: the web page is not part of the API, so it stays
 * out of the OpenAPI document (which lists every route the API app has).
 */
export function dashboard(deps: { auth: Authenticator; sessions: DashboardSessions }): MiddlewareHandler {
  const app = dashboardRoutes(deps);
  return async (c, next) => {
    if (isDashboardPath(c.req.path)) return app.fetch(c.req.raw);
    await next();
  };
}

function dashboardRoutes({ auth, sessions }: { auth: Authenticator; sessions: DashboardSessions }) {
  const app = new Hono();
  app.notFound((c) => c.json(errorBody("not_found", `No ${c.req.method} ${c.req.path} on the dashboard.`), 404));

  app.get("/", async (c) => {
    c.header("Cache-Control", "no-store");
    return c.body(await load(join(PUBLIC_DIR, "index.html")), 200, { "Content-Type": TYPES.html! });
  });
  // The platform list the page shows, from the registry (what GET /api/v1/platforms answers): a
  // module the page imports, so a platform added to the registry shows up without touching the page.
  app.get("/assets/platform-list.js", (c) => {
    c.header("Cache-Control", "no-cache");
    return c.body(PLATFORM_LIST, 200, { "Content-Type": TYPES.js! });
  });
  app.get("/assets/platforms/:id/panel.js", async (c) => {
    const id = c.req.param("id");
    if (!withPanel.has(id)) return c.json(errorBody("not_found", `No dashboard panel for platform ${id}.`), 404);
    c.header("Cache-Control", "no-cache");
    return c.body(await load(panelFile(id)), 200, { "Content-Type": TYPES.js! });
  });
  app.get("/assets/:file", async (c) => {
    const file = c.req.param("file");
    if (!ASSETS.has(file)) return c.json(errorBody("not_found", `No dashboard asset ${file}.`), 404);
    c.header("Cache-Control", "no-cache");
    return c.body(await load(join(PUBLIC_DIR, file)), 200, { "Content-Type": TYPES[file.split(".").pop()!]! });
  });
  app.get("/vendor/:file", async (c) => {
    const file = c.req.param("file");
    const resolve = VENDOR[file];
    if (!resolve) return c.json(errorBody("not_found", `No dashboard module ${file}.`), 404);
    c.header("Cache-Control", "public, max-age=3600");
    return c.body(await load(resolve()), 200, { "Content-Type": TYPES[file.split(".").pop()!]! });
  });

  app.get("/favicon.ico", (c) => {
    c.header("Cache-Control", "public, max-age=86400");
    return c.body(FAVICON, 200, { "Content-Type": "image/svg+xml" });
  });

  /** Who the session is: the page asks at load whether to show the login form. */
  app.get("/session", async (c) => {
    c.header("Cache-Control", "no-store");
    const session = await sessions.fromCookie(c);
    const principal = session && "principal" in session ? session.principal : undefined;
    // 200 either way: the browser logs every 4xx as a console error, and "not logged in" is no error here.
    if (!principal) return c.json({ loggedIn: false });
    return c.json({ loggedIn: true, name: principal.name, scopes: principal.scopes });
  });

  app.post("/session", async (c) => {
    // JSON only: a cross-site form cannot send it without a CORS preflight, which Prism never grants.
    if (!/^application\/json\b/i.test(c.req.header("content-type") ?? "")) {
      return c.json(errorBody("unsupported_media_type", "Send { \"token\": \"…\" } as JSON."), 415);
    }
    const body = (await c.req.json().catch(() => null)) as { token?: unknown } | null;
    const token = typeof body?.token === "string" ? body.token.trim() : "";
    const principal = token ? await auth.principalFor(token) : undefined;
    if (!principal) {
      return c.json(errorBody("unauthorized", "That API token is not valid: it was mistyped, deleted or rotated. Prism prints the admin token at start and keeps it in <data dir>/api-token."), 401);
    }
    // A session already in this browser ends first: one login, one live session id.
    if (getCookie(c, SESSION_COOKIE)) await sessions.end(c);
    await sessions.start(c, token);
    c.header("Cache-Control", "no-store");
    return c.json({ loggedIn: true, name: principal.name, scopes: principal.scopes });
  });

  app.delete("/session", async (c) => {
    const session = await sessions.fromCookie(c);
    if (session && "error" in session && session.error === "csrf") {
      return c.json(errorBody("forbidden", `Missing or wrong X-CSRF-Token header (it must repeat the ${CSRF_COOKIE} cookie).`), 403);
    }
    await sessions.end(c);
    return c.body(null, 204);
  });

  return app;
}
