import { createRoute, z } from "@hono/zod-openapi";
import type { ApiDeps } from "../deps.js";
import type { Destination } from "../../db/destinations-repo.js";
import { body, json, newRouter } from "../router.js";
import { ApiError, commonErrors, notFound, notFoundError } from "../errors.js";
import { CreateDestinationBody, DestinationParams, DestinationSchema, IdParam, UpdateDestinationBody } from "../schemas.js";
import { platforms, type PlatformId } from "../../destinations/registry.js";
import { maskSecret } from "../../secrets/tokens.js";
import type { AccountsApi } from "../../oauth/index.js";
import type { XChatRepo } from "../../db/x-chat-repo.js";
import { xChatPatch, xChatView } from "../x-schemas.js";
import { refusedDestinationUrl } from "../../net/address-policy.js";

export function destinationRoutes({ streams, destinations, bus, accounts, x, destinationPolicy }: ApiDeps & { accounts: AccountsApi; x: { settings: XChatRepo } }) {
  const app = newRouter();

  const view = (d: Destination) => ({
    id: d.id,
    streamId: d.streamId,
    platform: d.platform,
    name: d.name,
    url: d.url,
    // A linked destination has no stored key: the platform hands it out at go-live.
    streamKey: d.accountId && !d.streamKey ? "" : maskSecret(d.streamKey),
    enabled: d.enabled,
    transcode: d.transcode,
    accountId: d.accountId,
    ...(d.platform === "x" && { x: xChatView(x.settings.get(d.id)) }),
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  });
  const requireStream = (id: string) => {
    if (!streams.get(id)) throw notFound("Stream");
  };
  const found = (d: Destination | undefined) => {
    if (!d) throw notFound("Destination");
    return d;
  };
  const checkIngest = (platform: string, url: string, streamKey: string) => {
    const checked = platforms[platform as PlatformId].checkIngest({ url, streamKey });
    if (!checked.ok) throw new ApiError(400, "invalid_destination", checked.message);
    const refused = refusedDestinationUrl(checked.url, destinationPolicy);
    if (refused) throw new ApiError(400, "destination_not_allowed", refused);
    return checked;
  };
  /** X's chat settings need a linked X account: it is what reads the replies and posts the announcement. */
  const checkXChat = (platform: string, accountId: string | null | undefined, given: unknown) => {
    if (given === undefined) return;
    if (platform !== "x") throw new ApiError(400, "invalid_destination", "x: only X destinations have X chat settings.");
    if (!accountId) throw new ApiError(400, "invalid_destination", "x: reading X replies or posting the announcement needs a linked X account: give accountId (POST /api/v1/accounts/x/connect links one).");
  };
  const changed = (streamId: string) => bus.emit("config.destinations", { streamId });
  /** Platforms whose API hands out the ingest of a linked account (X does not: its destinations keep a typed-in URL + key). */
  const ingestFromAccount = (platform: string) => platform !== "x" && platforms[platform as PlatformId].accounts !== undefined;
  /** Where a new destination pushes: typed in, or (accountId) fetched from the platform at go-live. */
  const ingestOf = (input: { platform: string; name?: string | undefined; url?: string | undefined; streamKey?: string | undefined; accountId?: string | undefined }) => {
    const label = platforms[input.platform as PlatformId].displayName;
    if (input.accountId === undefined) {
      const missing = (["name", "url", "streamKey"] as const).filter((f) => input[f] === undefined);
      if (missing.length > 0) throw new ApiError(400, "validation_failed", `${missing.join(", ")}: required (or give accountId of a linked account)`, { issues: missing.map((path) => ({ path, message: "required" })) });
      return { name: input.name!, accountId: null, ...checkIngest(input.platform, input.url!, input.streamKey!) };
    }
    const account = accounts.get(input.accountId);
    if (!account) throw new ApiError(400, "invalid_destination", `accountId: no linked account ${input.accountId}; GET /api/v1/accounts lists them.`);
    if (account.platform !== input.platform) throw new ApiError(400, "invalid_destination", `accountId: that is a ${account.platform} account, not a ${input.platform} one.`);
    const name = input.name ?? `${label} (${account.displayName})`;
    if (ingestFromAccount(input.platform)) {
      if (input.url !== undefined || input.streamKey !== undefined) {
        throw new ApiError(400, "invalid_destination", `url, streamKey: leave them out: ${label} hands out the ingest URL and key of the linked account at every go-live.`);
      }
      return { name, accountId: account.id, url: "", streamKey: "" };
    }
    // X: no public API hands out Media Studio keys, so the account only names who streams.
    if (input.url === undefined || input.streamKey === undefined) {
      throw new ApiError(400, "invalid_destination", `url, streamKey: required for ${label}: X offers no API that hands out Media Studio stream keys; copy the RTMP(S) URL and key from Media Studio.`);
    }
    return { name, accountId: account.id, ...checkIngest(input.platform, input.url, input.streamKey) };
  };

  app.openapi(
    createRoute({
      method: "post",
      path: "/streams/{id}/destinations",
      summary: "Add a destination; it starts at once if the stream is live and it is enabled",
      request: { params: IdParam, ...body(CreateDestinationBody) },
      responses: { 201: json(DestinationSchema, "Created"), ...commonErrors, ...notFoundError },
    }),
    (c) => {
      const { id } = c.req.valid("param");
      const input = c.req.valid("json");
      requireStream(id);
      const { name, url, streamKey, accountId } = ingestOf(input);
      checkXChat(input.platform, accountId, input.x);
      const destination = destinations.create({
        streamId: id,
        platform: input.platform,
        name,
        url,
        streamKey,
        enabled: input.enabled,
        transcode: input.transcode,
        accountId,
      });
      if (input.x) x.settings.update(destination.id, xChatPatch(input.x));
      changed(id);
      return c.json(view(destination), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/streams/{id}/destinations",
      summary: "List a stream's destinations",
      request: { params: IdParam },
      responses: { 200: json(z.array(DestinationSchema), "Destinations"), ...commonErrors, ...notFoundError },
    }),
    (c) => {
      const { id } = c.req.valid("param");
      requireStream(id);
      return c.json(destinations.list(id).map(view), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/streams/{id}/destinations/{destId}",
      summary: "Get a destination",
      request: { params: DestinationParams },
      responses: { 200: json(DestinationSchema, "The destination"), ...commonErrors, ...notFoundError },
    }),
    (c) => {
      const { id, destId } = c.req.valid("param");
      return c.json(view(found(destinations.get(id, destId))), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/streams/{id}/destinations/{destId}",
      summary: "Change a destination; enabling or disabling acts at once on a live stream",
      request: { params: DestinationParams, ...body(UpdateDestinationBody) },
      responses: { 200: json(DestinationSchema, "The destination"), ...commonErrors, ...notFoundError },
    }),
    (c) => {
      const { id, destId } = c.req.valid("param");
      const { x: xInput, ...patch } = c.req.valid("json");
      const current = found(destinations.get(id, destId));
      checkXChat(current.platform, current.accountId, xInput);
      if ((patch.url !== undefined || patch.streamKey !== undefined) && current.accountId && ingestFromAccount(current.platform)) {
        throw new ApiError(400, "invalid_destination", "url, streamKey: this destination's ingest comes from its linked account at every go-live; there is nothing to set.");
      }
      if (patch.url !== undefined || patch.streamKey !== undefined) {
        const checked = checkIngest(current.platform, patch.url ?? current.url, patch.streamKey ?? current.streamKey);
        patch.url = checked.url;
      }
      // The X reader reads its settings before every poll: changing only them touches no output.
      if (xInput) x.settings.update(destId, xChatPatch(xInput));
      if (Object.keys(patch).length === 0) return c.json(view(current), 200);
      const updated = found(destinations.update(id, destId, patch));
      changed(id);
      return c.json(view(updated), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/streams/{id}/destinations/{destId}",
      summary: "Remove a destination (stops it if live)",
      request: { params: DestinationParams },
      responses: { 204: { description: "Deleted" }, ...commonErrors, ...notFoundError },
    }),
    (c) => {
      const { id, destId } = c.req.valid("param");
      if (!destinations.delete(id, destId)) throw notFound("Destination");
      changed(id);
      return c.body(null, 204);
    },
  );

  return app;
}
