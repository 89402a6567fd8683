import { createRoute, z } from "@hono/zod-openapi";
import type { AccountSummary } from "../../db/accounts-repo.js";
import { json, newRouter } from "../router.js";
import { ApiError, ErrorSchema, commonErrors, notFoundError } from "../errors.js";
import { AccountIdParam, AccountPlatformSchema, AccountSchema, ConnectAnswerSchema, PlatformParam, UnlinkAnswerSchema } from "../account-schemas.js";
import { LinkError, type AccountsApi } from "../../oauth/index.js";

export const accountView = (a: AccountSummary) => ({
  id: a.id,
  platform: a.platform,
  platformUserId: a.platformUserId,
  displayName: a.displayName,
  scopes: a.scopes,
  expiresAt: a.expiresAt?.toISOString() ?? null,
  status: a.status,
  statusReason: a.statusReason,
  createdAt: a.createdAt.toISOString(),
  updatedAt: a.updatedAt.toISOString(),
});

/** A linking failure in the API's one error shape. */
export function apiErrorOf(err: unknown): unknown {
  return err instanceof LinkError ? new ApiError(err.status, err.code, err.message) : err;
}

const errorContent = { "application/json": { schema: ErrorSchema } };

/**
 * Linked platform accounts. A browser cannot send the Bearer token on a navigation, so the
 * dashboard starts linking with `POST …/connect` (token in the header, as for every call) and then
 * sends the browser to the `authorizeUrl` it gets back; API clients that follow redirects can use
 * `GET …/connect`, which answers 302 to the same place. The token never travels in a URL.
 */
export function accountRoutes({ accounts, redirectUri }: { accounts: AccountsApi; redirectUri: (platform: string) => string }) {
  const app = newRouter();
  const connect = async (platform: z.infer<typeof PlatformParam>["platform"]) => {
    try {
      const started = await accounts.startLink(platform);
      return { platform, authorizeUrl: started.authorizeUrl, redirectUri: started.redirectUri, expiresAt: started.expiresAt.toISOString() };
    } catch (err) {
      throw apiErrorOf(err);
    }
  };
  const notConfigured = { 400: { description: "Invalid platform, or no app configured for it", content: errorContent } } as const;

  app.openapi(
    createRoute({
      method: "get",
      path: "/accounts/platforms",
      summary: "Platforms whose accounts can be linked, whether this Prism has an app for each, and the redirect URI to register",
      responses: { 200: json(z.array(AccountPlatformSchema), "Platforms"), ...commonErrors },
    }),
    (c) => c.json(accounts.platforms().map((p) => ({ ...p, platform: p.platform as z.infer<typeof PlatformParam>["platform"], redirectUri: redirectUri(p.platform) })), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/accounts/{platform}/connect",
      summary: "Start linking an account: answers the platform's sign-in URL (one-time state, PKCE where supported) for the browser to open",
      request: { params: PlatformParam },
      responses: { 200: json(ConnectAnswerSchema, "Open authorizeUrl in the browser"), ...commonErrors, ...notConfigured },
    }),
    async (c) => c.json(await connect(c.req.valid("param").platform), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/accounts/{platform}/connect",
      summary: "Start linking an account: redirects to the platform's sign-in page (for API clients; a browser uses POST)",
      request: { params: PlatformParam },
      responses: {
        302: { description: "To the platform's sign-in page", headers: { Location: { description: "The platform's authorize URL", schema: { type: "string" } } } },
        ...commonErrors,
        ...notConfigured,
      },
    }),
    async (c) => {
      const { authorizeUrl } = await connect(c.req.valid("param").platform);
      c.header("Cache-Control", "no-store");
      return c.redirect(authorizeUrl, 302);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/accounts",
      summary: "List linked accounts (platform, name, scopes, token expiry, status; never tokens)",
      responses: { 200: json(z.array(AccountSchema), "Accounts"), ...commonErrors },
    }),
    async (c) => c.json((await accounts.list()).map(accountView), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/accounts/{id}",
      summary: "Get a linked account",
      request: { params: AccountIdParam },
      responses: { 200: json(AccountSchema, "The account"), ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const account = await accounts.get(c.req.valid("param").id);
      if (!account) throw new ApiError(404, "not_found", "Account not found.");
      return c.json(accountView(account), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/accounts/{id}",
      summary: "Unlink an account, revoking Prism's access where the platform offers revocation",
      request: { params: AccountIdParam },
      responses: {
        200: json(UnlinkAnswerSchema, "Unlinked"),
        ...commonErrors,
        ...notFoundError,
        409: { description: "Destinations still use the account", content: errorContent },
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      try {
        return c.json({ id, ...(await accounts.unlink(id)) }, 200);
      } catch (err) {
        throw apiErrorOf(err);
      }
    },
  );

  return app;
}
