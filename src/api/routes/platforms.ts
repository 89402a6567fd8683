import { createRoute, z } from "@hono/zod-openapi";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { DestinationSettingsStore, PlatformAdapter, PlatformRouteDeps } from "../../destinations/types.js";
import type { PlatformSettings } from "../../destinations/platform-config.js";
import { json, newRouter } from "../router.js";
import { ErrorSchema, commonErrors, errorBody } from "../errors.js";
import { API_PREFIX } from "../paths.js";
import { allPlatforms, platformName } from "../platform-examples.js";

/** Where a platform's own routes are mounted. */
export const platformRoutesPath = (id: string) => `${API_PREFIX}/platforms/${id}`;

/** How clients (the dashboard, the CLI) show a platform and what it offers, from its adapter. */
export function platformInfo(p: PlatformAdapter) {
  const name = platformName(p);
  return {
    id: p.id,
    displayName: p.displayName,
    name,
    mark: p.mark ?? name.slice(0, 1).toUpperCase(),
    color: p.color ?? null,
    linkable: Boolean(p.accounts && p.config),
    ingest: p.accounts && p.typedIngest === undefined ? ("account" as const) : ("typed" as const),
    chat: Boolean(p.accounts),
  };
}

export const PlatformInfoSchema = z
  .object({
    id: z.string().openapi({ description: "The value of `platform` in destinations, accounts and comments" }),
    displayName: z.string().openapi({ description: "The label lists show" }),
    name: z.string().openapi({ description: "The name sentences use" }),
    mark: z.string().openapi({ description: "Its badge's 1–3 characters" }),
    color: z.string().nullable().openapi({ description: "Its badge's colour (white text on it); null: none of its own" }),
    linkable: z.boolean().openapi({ description: "Accounts of it can be linked (POST /api/v1/accounts/{platform}/connect)" }),
    ingest: z.enum(["account", "typed"]).openapi({ description: "account: a destination with a linked account gets its ingest from the platform; typed: the streamer types URL and key in" }),
    chat: z.boolean().openapi({ description: "Its live chat can join the comment feed (with a linked account)" }),
  })
  .openapi("Platform", { example: platformInfo(allPlatforms.find((p) => p.accounts) ?? allPlatforms[0]!) });

/** The platform catalogue: every platform of the registry, as clients show it. */
export function platformCatalogRoutes() {
  const app = newRouter();
  app.openapi(
    createRoute({
      method: "get",
      path: "/platforms",
      summary: "The platforms Prism can stream to, how to show them, and what each offers",
      responses: { 200: json(z.array(PlatformInfoSchema), "Platforms, in a stable order"), ...commonErrors },
    }),
    (c) => c.json(allPlatforms.map(platformInfo), 200),
  );
  return app;
}

/**
 * Each platform's own routes (a webhook it posts to), mounted under /api/v1/platforms/<id>/; the
 * paths that authenticate on their own are returned for the Bearer-token guard to let through.
 */
export function mountPlatformRoutes(
  app: OpenAPIHono<any>,
  deps: {
    settings: Readonly<Record<string, PlatformSettings>>;
    destinationSettings(platform: string): DestinationSettingsStore | undefined;
    deliverChat(platform: string, ...args: Parameters<PlatformRouteDeps["chat"]["deliver"]>): Promise<number>;
  },
): string[] {
  const publicPaths: string[] = [];
  for (const p of allPlatforms) {
    const settings = deps.settings[p.id];
    if (!p.routes) continue;
    if (!settings) throw new Error(`${p.id} has routes but declares no config: its routes need its settings`);
    const routes = p.routes({
      settings,
      basePath: platformRoutesPath(p.id),
      api: { router: newRouter, ErrorSchema, errorBody: (code, message) => errorBody(code, message) as { error: { code: string; message: string } } },
      destinationSettings: async (destinationId) => deps.destinationSettings(p.id)?.get(destinationId),
      chat: { deliver: (...args) => deps.deliverChat(p.id, ...args) },
    });
    app.route("/", routes.app);
    publicPaths.push(...routes.publicPaths);
  }
  return publicPaths;
}
