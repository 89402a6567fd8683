import { createRoute, z } from "@hono/zod-openapi";
import type { ApiDeps } from "../deps.js";
import type { ApiToken } from "../../db/tokens-repo.js";
import { DuplicateTokenName } from "../../db/tokens-repo.js";
import { body, json, newRouter } from "../router.js";
import { ApiError, commonErrors, notFound, notFoundError } from "../errors.js";
import { CreateTokenBody, CreatedTokenSchema, RotatedAdminTokenSchema, TokenIdParam, TokenSchema } from "../token-schemas.js";
import { ErrorSchema } from "../errors.js";

const conflict = { 409: { description: "Conflict", content: { "application/json": { schema: ErrorSchema } } } } as const;

/** Named tokens with scopes, and rotation of the admin token. All of it needs the admin scope. */
export function tokenRoutes({ auth, log }: Pick<ApiDeps, "auth" | "log">) {
  const app = newRouter();
  const view = (t: ApiToken) => ({
    id: t.id,
    name: t.name,
    scopes: t.scopes,
    hint: t.hint,
    createdAt: t.createdAt.toISOString(),
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  });

  app.openapi(
    createRoute({
      method: "post",
      path: "/tokens",
      summary: "Create a named token with scopes; the token is in the answer this once",
      request: body(CreateTokenBody),
      responses: { 201: json(CreatedTokenSchema, "Created"), ...commonErrors, ...conflict },
    }),
    async (c) => {
      const { name, scopes } = c.req.valid("json");
      try {
        const { token, record } = await auth.tokens.create(name, scopes);
        log.info({ tokenName: name, scopes }, "API token created");
        return c.json({ ...view(record), token }, 201);
      } catch (err) {
        if (err instanceof DuplicateTokenName) {
          throw new ApiError(409, "conflict", `A token named "${name}" already exists; pick another name or delete that one first.`);
        }
        throw err;
      }
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/tokens", summary: "List named tokens (never the tokens themselves)", responses: { 200: json(z.array(TokenSchema), "Tokens"), ...commonErrors } }),
    async (c) => c.json((await auth.tokens.list()).map(view), 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/tokens/{tokenId}",
      summary: "Delete a named token; it stops working at once",
      request: { params: TokenIdParam },
      responses: { 204: { description: "Deleted" }, ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { tokenId } = c.req.valid("param");
      const existing = (await auth.tokens.list()).find((t) => t.id === tokenId);
      const hash = await auth.tokens.hashById(tokenId);
      if (!existing || !(await auth.tokens.delete(tokenId))) throw notFound("Token");
      // Its dashboard sessions end with it (they would fail their next check anyway; this also frees their rows).
      if (hash) await auth.sessions.endAllFor(hash);
      log.info({ tokenName: existing.name }, "API token deleted");
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/tokens/admin/rotate",
      summary: "Replace the admin token (the old one stops working at once)",
      description:
        "Writes the new token to <data dir>/api-token and returns it. When the admin token comes from PRISM_API_TOKEN, Prism cannot change it: set a new value and restart (409).",
      responses: { 200: json(RotatedAdminTokenSchema, "The new admin token"), ...commonErrors, ...conflict },
    }),
    async (c) => {
      if (!auth.admin.rotatable) {
        throw new ApiError(
          409,
          "admin_token_from_env",
          "The admin token comes from PRISM_API_TOKEN, so Prism cannot rotate it: set a new value in the environment and restart Prism.",
        );
      }
      const oldHash = await auth.tokens.hashOf(auth.admin.value);
      const token = auth.admin.rotate();
      await auth.sessions.endAllFor(oldHash);
      log.warn({ path: auth.admin.path }, "admin API token rotated; the old one no longer works");
      return c.json({ token }, 200);
    },
  );

  return app;
}
