import { createRoute } from "@hono/zod-openapi";
import { newRouter } from "../router.js";
import { ErrorSchema } from "../errors.js";
import { CallbackQuerySchema, PlatformParam } from "../account-schemas.js";
import { LinkDeclined, type AccountsApi } from "../../oauth/index.js";
import { apiErrorOf } from "./accounts.js";

/** Where the browser lands after linking; the dashboard reads the flag from the query. */
export const DASHBOARD_PATH = "/";

const errorContent = { "application/json": { schema: ErrorSchema } };

/**
 * Where the platform sends the browser back after sign-in. The browser carries no API token here:
 * the one-time `state` Prism stored when linking started is what authenticates the request (the
 * Bearer middleware lets exactly this path through). The answer is a redirect to the dashboard.
 */
export function oauthCallbackRoutes({ accounts }: { accounts: AccountsApi }) {
  const app = newRouter();
  app.openapi(
    createRoute({
      method: "get",
      path: "/oauth/{platform}/callback",
      summary: "OAuth redirect URI: the platform sends the browser back here; authenticated by the one-time state, not a token",
      request: { params: PlatformParam, query: CallbackQuerySchema },
      responses: {
        302: {
          description: "To the dashboard: `/?account_linked=<platform>&account=<id>`, or `/?account_error=<code>&platform=<platform>` when the platform did not link the account",
          headers: { Location: { description: "The dashboard with the outcome", schema: { type: "string" } } },
        },
        400: { description: "The state is missing, unknown, expired or already used (or the platform is not configured)", content: errorContent },
      },
    }),
    async (c) => {
      const { platform } = c.req.valid("param");
      // The code is in this URL: keep it out of caches and out of the Referer of the next page.
      c.header("Cache-Control", "no-store");
      c.header("Referrer-Policy", "no-referrer");
      try {
        const account = await accounts.finishLink(platform, c.req.valid("query"));
        return c.redirect(`${DASHBOARD_PATH}?${new URLSearchParams({ account_linked: platform, account: account.id })}`, 302);
      } catch (err) {
        if (err instanceof LinkDeclined) return c.redirect(`${DASHBOARD_PATH}?${new URLSearchParams({ account_error: err.code, platform })}`, 302);
        throw apiErrorOf(err);
      }
    },
  );
  return app;
}
