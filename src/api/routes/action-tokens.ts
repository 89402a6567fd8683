import { createRoute, z } from "@hono/zod-openapi";
import type { Logger } from "../../log.js";
import type { StreamsStore } from "../../db/store.js";
import type { AutomationApi } from "../../webhooks/index.js";
import type { ActionToken } from "../../db/action-tokens-repo.js";
import { body, json, newRouter } from "../router.js";
import { commonErrors, notFound, notFoundError } from "../errors.js";
import { IdParam } from "../schemas.js";
import { ActionTokenParams, ActionTokenSchema, CreateActionTokenBody, CreatedActionTokenSchema, type ActionName } from "../webhook-schemas.js";

/** Action tokens of a stream: created (shown once, with ready-made URLs), listed, revoked. Admin API. */
export function actionTokenRoutes({ automation, streams, log }: { automation: AutomationApi; streams: StreamsStore; log: Logger }) {
  const { actionTokens } = automation;
  const app = newRouter();
  const view = (t: ActionToken) => ({
    id: t.id,
    streamId: t.streamId,
    name: t.name,
    actions: t.actions as ActionName[],
    hint: t.hint,
    createdAt: t.createdAt.toISOString(),
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  });
  const requireStream = async (id: string) => {
    if (!(await streams.get(id))) throw notFound("Stream");
  };

  app.openapi(
    createRoute({
      method: "post",
      path: "/streams/{id}/action-tokens",
      summary: "Create an action token for this stream; the token and its action URLs are in the answer this once",
      request: { params: IdParam, ...body(CreateActionTokenBody) },
      responses: { 201: json(CreatedActionTokenSchema, "Created"), ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { name, actions } = c.req.valid("json");
      await requireStream(id);
      const { token, record } = await actionTokens.create({ streamId: id, name, actions });
      // Built from this request's own URL, so it is right whatever prefix or host the API is reached by.
      const here = new URL(c.req.url);
      const base = `${here.origin}${here.pathname.replace(/\/streams\/[^/]+\/action-tokens\/?$/, "")}/actions/${token}`;
      log.info({ streamId: id, actionTokenId: record.id, actions }, "action token created");
      return c.json({ ...view(record), token, urls: Object.fromEntries(actions.map((a) => [a, `${base}/${a}`])) }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/streams/{id}/action-tokens",
      summary: "List a stream's action tokens (never the tokens themselves)",
      request: { params: IdParam },
      responses: { 200: json(z.array(ActionTokenSchema), "Action tokens"), ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await requireStream(id);
      return c.json((await actionTokens.list(id)).map(view), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/streams/{id}/action-tokens/{tokenId}",
      summary: "Revoke an action token: its URLs answer 401 from now on",
      request: { params: ActionTokenParams },
      responses: { 204: { description: "Revoked" }, ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { id, tokenId } = c.req.valid("param");
      if (!(await actionTokens.delete(id, tokenId))) throw notFound("Action token");
      log.info({ streamId: id, actionTokenId: tokenId }, "action token revoked");
      return c.body(null, 204);
    },
  );

  return app;
}
