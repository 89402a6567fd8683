import { createRoute, z } from "@hono/zod-openapi";
import type { ApiDeps } from "../deps.js";
import type { Destination } from "../../db/destinations-repo.js";
import { body, json, newRouter } from "../router.js";
import { ApiError, commonErrors, notFound, notFoundError } from "../errors.js";
import { CreateDestinationBody, DestinationParams, DestinationSchema, IdParam, UpdateDestinationBody } from "../schemas.js";
import { platformOf } from "../../destinations/registry.js";
import type { DestinationSettingsStore } from "../../destinations/types.js";
import { maskSecret } from "../../secrets/tokens.js";
import type { AccountsApi } from "../../oauth/index.js";
import { platformsWithSettings } from "../destination-settings.js";
import { refusedDestinationUrl } from "../../net/address-policy.js";

export function destinationRoutes({
  streams,
  destinations,
  bus,
  accounts,
  platforms,
  destinationPolicy,
}: ApiDeps & { accounts: AccountsApi; platforms: { destinationSettings(platform: string): DestinationSettingsStore | undefined } }) {
  const app = newRouter();

  const view = async (d: Destination) => ({
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
    ...(await settingsView(d)),
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  });
  const requireStream = async (id: string) => {
    if (!(await streams.get(id))) throw notFound("Stream");
  };
  const found = (d: Destination | undefined) => {
    if (!d) throw notFound("Destination");
    return d;
  };
  const checkIngest = (platform: string, url: string, streamKey: string) => {
    const checked = platformOf(platform).checkIngest({ url, streamKey });
    if (!checked.ok) throw new ApiError(400, "invalid_destination", checked.message);
    const refused = refusedDestinationUrl(checked.url, destinationPolicy);
    if (refused) throw new ApiError(400, "destination_not_allowed", refused);
    return checked;
  };
  /** A platform's own settings, under the field named after it. */
  const settingsView = async (d: Destination) => {
    const own = platformOf(d.platform);
    const store = platforms.destinationSettings(d.platform);
    return own.id === d.platform && own.destinationSettings && store ? { [d.platform]: own.destinationSettings.show(await store.get(d.id)) } : {};
  };
  /**
   * The platforms' settings fields given in a request: only a destination of that platform has them,
   * and (they are read and acted on through it) only with a linked account.
   */
  const settingsGiven = (platform: string, accountId: string | null | undefined, input: Record<string, unknown>) =>
    platformsWithSettings.flatMap(({ id, displayName, name, destinationSettings: s }) => {
      if (input[id] === undefined) return [];
      const label = name ?? displayName;
      if (platform !== id) throw new ApiError(400, "invalid_destination", `${id}: only ${label} destinations have ${s.label}.`);
      if (!accountId) throw new ApiError(400, "invalid_destination", `${id}: ${s.needsAccount}: give accountId (POST /api/v1/accounts/${id}/connect links one).`);
      return [{ id, patch: s.patch(input[id]) }];
    });
  /** Stores the settings given; the platform's code reads them when it needs them (a chat reader, before every poll). */
  const saveSettings = async (destinationId: string, given: Array<{ id: string; patch: unknown }>) => {
    for (const { id, patch } of given) await platforms.destinationSettings(id)?.update(destinationId, patch);
  };
  const changed = (streamId: string) => bus.emit("config.destinations", { streamId });
  /** Platforms whose API hands out the ingest of a linked account (not those with `typedIngest`: their destinations keep a typed-in URL + key). */
  const ingestFromAccount = (platform: string) => platformOf(platform).typedIngest === undefined && platformOf(platform).accounts !== undefined;
  /** Where a new destination pushes: typed in, or (accountId) fetched from the platform at go-live. */
  const ingestOf = async (input: { platform: string; name?: string | undefined; url?: string | undefined; streamKey?: string | undefined; accountId?: string | undefined }) => {
    const label = platformOf(input.platform).displayName;
    if (input.accountId === undefined) {
      const missing = (["name", "url", "streamKey"] as const).filter((f) => input[f] === undefined);
      if (missing.length > 0) throw new ApiError(400, "validation_failed", `${missing.join(", ")}: required (or give accountId of a linked account)`, { issues: missing.map((path) => ({ path, message: "required" })) });
      return { name: input.name!, accountId: null, ...checkIngest(input.platform, input.url!, input.streamKey!) };
    }
    const account = await accounts.get(input.accountId);
    if (!account) throw new ApiError(400, "invalid_destination", `accountId: no linked account ${input.accountId}; GET /api/v1/accounts lists them.`);
    if (account.platform !== input.platform) throw new ApiError(400, "invalid_destination", `accountId: that is a ${account.platform} account, not a ${input.platform} one.`);
    const name = input.name ?? `${label} (${account.displayName})`;
    if (ingestFromAccount(input.platform)) {
      if (input.url !== undefined || input.streamKey !== undefined) {
        throw new ApiError(400, "invalid_destination", `url, streamKey: leave them out: ${label} hands out the ingest URL and key of the linked account at every go-live.`);
      }
      return { name, accountId: account.id, url: "", streamKey: "" };
    }
    // The platform hands out no ingest (typedIngest): the account only names who streams.
    if (input.url === undefined || input.streamKey === undefined) {
      throw new ApiError(400, "invalid_destination", `url, streamKey: required for ${label}: ${platformOf(input.platform).typedIngest}`);
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
    async (c) => {
      const { id } = c.req.valid("param");
      const input = c.req.valid("json");
      await requireStream(id);
      const { name, url, streamKey, accountId } = await ingestOf(input);
      const settings = settingsGiven(input.platform, accountId, input);
      const destination = await destinations.create({
        streamId: id,
        platform: input.platform,
        name,
        url,
        streamKey,
        enabled: input.enabled,
        transcode: input.transcode,
        accountId,
      });
      await saveSettings(destination.id, settings);
      changed(id);
      return c.json(await view(destination), 201);
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
    async (c) => {
      const { id } = c.req.valid("param");
      await requireStream(id);
      return c.json(await Promise.all((await destinations.list(id)).map(view)), 200);
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
    async (c) => {
      const { id, destId } = c.req.valid("param");
      return c.json(await view(found(await destinations.get(id, destId))), 200);
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
    async (c) => {
      const { id, destId } = c.req.valid("param");
      const input = c.req.valid("json");
      const current = found(await destinations.get(id, destId));
      const settings = settingsGiven(current.platform, current.accountId, input);
      // The destination's own fields; the platforms' settings fields were taken above.
      const { name, url, streamKey, enabled, transcode } = input;
      const patch: Partial<Pick<typeof input, "name" | "url" | "streamKey" | "enabled" | "transcode">> = Object.fromEntries(
        Object.entries({ name, url, streamKey, enabled, transcode }).filter(([, v]) => v !== undefined),
      );
      if ((patch.url !== undefined || patch.streamKey !== undefined) && current.accountId && ingestFromAccount(current.platform)) {
        throw new ApiError(400, "invalid_destination", "url, streamKey: this destination's ingest comes from its linked account at every go-live; there is nothing to set.");
      }
      if (patch.url !== undefined || patch.streamKey !== undefined) {
        const checked = checkIngest(current.platform, patch.url ?? current.url, patch.streamKey ?? current.streamKey);
        patch.url = checked.url;
      }
      // Platforms read their settings when they need them: changing only them touches no output.
      await saveSettings(destId, settings);
      if (Object.keys(patch).length === 0) return c.json(await view(current), 200);
      const updated = found(await destinations.update(id, destId, patch));
      changed(id);
      return c.json(await view(updated), 200);
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
    async (c) => {
      const { id, destId } = c.req.valid("param");
      if (!(await destinations.delete(id, destId))) throw notFound("Destination");
      changed(id);
      return c.body(null, 204);
    },
  );

  return app;
}
