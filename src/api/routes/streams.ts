import { createRoute, z } from "@hono/zod-openapi";
import type { ApiDeps } from "../deps.js";
import type { Stream } from "../../db/streams-repo.js";
import { body, json, newRouter } from "../router.js";
import { ApiError, commonErrors, notFound, notFoundError } from "../errors.js";
import { SlateImageError } from "../../relay/slate-image.js";
import { CreateStreamBody, IdParam, RotateKeyBody, StreamSchema, UpdateStreamBody } from "../schemas.js";
import { maskSecret } from "../../secrets/tokens.js";

/** POST /streams/{id}/reveal-key. The example is a placeholder, not a key: real ones are live_ and 32 random characters. */
const RevealedKeySchema = z
  .object({
    streamKey: z.string().openapi({ description: "OBS → Settings → Stream → Stream Key" }),
    backupStreamKey: z.string().openapi({ description: "The backup encoder's Stream Key (a second OBS profile or machine)" }),
  })
  .openapi({ example: { streamKey: "live_EXAMPLE-not-a-real-key-Qx7a", backupStreamKey: "live_EXAMPLE-not-a-real-key-Vb3d" } });

/** Every stream has its backup key once the server has started (StreamsRepo.fillMissingBackupKeys). */
function backupKeyOf(s: Stream): string {
  if (s.backupStreamKey === null) throw new Error(`stream ${s.id} has no backup key; fillMissingBackupKeys did not run`);
  return s.backupStreamKey;
}

export function streamRoutes({ streams, relay, bus, ingestUrl, secureIngestUrl, slateImages, recordings }: ApiDeps) {
  const app = newRouter();

  const view = async (s: Stream, reveal = false) => ({
    id: s.id,
    name: s.name,
    ingestUrl,
    secureIngestUrl,
    streamKey: reveal ? s.streamKey : maskSecret(s.streamKey),
    backupStreamKey: reveal ? backupKeyOf(s) : maskSecret(backupKeyOf(s)),
    live: relay.isLive(s.id),
    slate: { enabled: s.slate.enabled, maxSeconds: s.slate.maxSeconds, customImage: s.slate.image !== null },
    recording: await recordings.settings(s.id),
    title: s.title,
    description: s.description,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  });
  const found = (s: Stream | undefined) => {
    if (!s) throw notFound("Stream");
    return s;
  };

  app.openapi(
    createRoute({
      method: "post",
      path: "/streams",
      summary: "Create a stream (one OBS ingest)",
      request: body(CreateStreamBody),
      responses: { 201: json(StreamSchema, "Created; streamKey is shown in full this once"), ...commonErrors },
    }),
    async (c) => {
      const stream = await streams.create(c.req.valid("json").name);
      bus.emit("config.stream", { streamId: stream.id, change: "created" });
      return c.json(await view(stream, true), 201);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/streams", summary: "List streams", responses: { 200: json(z.array(StreamSchema), "Streams"), ...commonErrors } }),
    async (c) => c.json(await Promise.all((await streams.list()).map((s) => view(s))), 200),
  );

  app.openapi(
    createRoute({ method: "get", path: "/streams/{id}", summary: "Get a stream", request: { params: IdParam }, responses: { 200: json(StreamSchema, "The stream"), ...commonErrors, ...notFoundError } }),
    async (c) => c.json(await view(found(await streams.get(c.req.valid("param").id))), 200),
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/streams/{id}",
      summary: "Rename a stream, change its slate (what destinations see while the publisher is away) or its recording",
      request: { params: IdParam, ...body(UpdateStreamBody) },
      responses: { 200: json(StreamSchema, "The stream"), ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { name, slate, title, description, recording } = c.req.valid("json");
      const current = found(await streams.get(id));
      let image: string | null | undefined;
      if (slate?.image !== undefined) {
        try {
          image = slate.image === null ? null : await slateImages.save(id, slate.image);
        } catch (err) {
          if (err instanceof SlateImageError) throw new ApiError(400, "invalid_slate_image", err.message);
          throw err;
        }
      }
      const stream = found(await streams.update(id, { name, slate: { enabled: slate?.enabled, maxSeconds: slate?.maxSeconds, image }, title, description }));
      if (image !== undefined) await slateImages.remove(current.slate.image);
      if (recording) await recordings.updateSettings(id, recording);
      bus.emit("config.stream", { streamId: id, change: "updated" });
      return c.json(await view(stream), 200);
    },
  );

  app.openapi(
    createRoute({ method: "delete", path: "/streams/{id}", summary: "Delete a stream and its destinations", request: { params: IdParam }, responses: { 204: { description: "Deleted" }, ...commonErrors, ...notFoundError } }),
    async (c) => {
      const { id } = c.req.valid("param");
      const stream = found(await streams.get(id));
      if (!(await streams.delete(id))) throw notFound("Stream");
      await slateImages.remove(stream.slate.image);
      bus.emit("config.stream", { streamId: id, change: "deleted" });
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/streams/{id}/rotate-key",
      summary: "Replace the stream key or the backup stream key (the encoder publishing with the old one is disconnected)",
      description:
        "The old key stops working at once: the encoder publishing with it now is disconnected (a leaked key is shut out, not only refused next time), and with the slate on the destinations show the slate until OBS publishes with the new key. Prism's own media player is not disconnected. In a cluster the node the stream is live on drops it, whichever node was asked.",
      request: { params: IdParam, body: { required: false, content: { "application/json": { schema: RotateKeyBody } } } },
      responses: { 200: json(StreamSchema, "The stream with its new key in full"), ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { which } = c.req.valid("json") ?? { which: "primary" as const };
      const stream = found(await streams.rotateKey(id, which ?? "primary"));
      bus.emit("config.stream", { streamId: id, change: "key_rotated", input: which ?? "primary" });
      return c.json(await view(stream, true), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/streams/{id}/reveal-key",
      summary: "Show the stream key in full (for copying into OBS)",
      request: { params: IdParam },
      responses: { 200: json(RevealedKeySchema, "The stream key"), ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const stream = found(await streams.get(c.req.valid("param").id));
      return c.json({ streamKey: stream.streamKey, backupStreamKey: backupKeyOf(stream) }, 200);
    },
  );

  return app;
}
