import { z } from "@hono/zod-openapi";
import { platformIds } from "../destinations/registry.js";

const name = z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters");

export const IdParam = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" }, example: "5b0c…" }) });
export const DestinationParams = IdParam.extend({
  destId: z.string().openapi({ param: { name: "destId", in: "path" } }),
});

export const CreateStreamBody = z.object({ name }).openapi("CreateStream");
export const SlateSettingsBody = z
  .object({
    enabled: z.boolean().optional().openapi({ description: "Show the slate when the publisher drops off, instead of ending the stream" }),
    maxSeconds: z.number().int().min(10, "must be at least 10").max(86_400, "must be at most 86400 (24 h)").optional(),
    image: z
      .string()
      .max(250_000, "must be at most ~180 KB of image (as a base64 data URL)")
      .nullable()
      .optional()
      .openapi({ description: "data:image/png;base64,… or data:image/jpeg;base64,…; null restores the default image" }),
  })
  .openapi("SlateSettings");

export const UpdateStreamBody = z
  .object({ name: name.optional(), slate: SlateSettingsBody.optional() })
  .refine((b) => b.name !== undefined || b.slate !== undefined, "give name and/or slate")
  .openapi("UpdateStream");

export const StreamSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    ingestUrl: z.string().openapi({ description: "OBS → Settings → Stream → Custom → Server", example: "rtmp://192.168.1.10:1935/live" }),
    streamKey: z.string().openapi({ description: "OBS → Stream Key. Shown in full only when created or rotated; masked elsewhere." }),
    live: z.boolean(),
    slate: z.object({
      enabled: z.boolean(),
      maxSeconds: z.number(),
      customImage: z.boolean().openapi({ description: "false: Prism's default 'Be right back' image" }),
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Stream");

export const CreateDestinationBody = z
  .object({
    platform: z.enum(platformIds).default("custom"),
    name,
    url: z.string().min(1, "must not be empty").max(2048).openapi({ example: "rtmp://live.twitch.tv/app" }),
    streamKey: z.string().min(1, "must not be empty").max(1024),
    enabled: z.boolean().default(true),
  })
  .openapi("CreateDestination");

export const UpdateDestinationBody = z
  .object({
    name: name.optional(),
    url: z.string().min(1).max(2048).optional(),
    streamKey: z.string().min(1).max(1024).optional(),
    enabled: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, "give at least one of name, url, streamKey, enabled")
  .openapi("UpdateDestination");

export const DestinationSchema = z
  .object({
    id: z.string(),
    streamId: z.string(),
    platform: z.string(),
    name: z.string(),
    url: z.string(),
    streamKey: z.string().openapi({ description: "Masked" }),
    enabled: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Destination");

export const OutputStateSchema = z.enum(["idle", "connecting", "live", "reconnecting", "failed", "stopped"]);

export const DestinationHealthSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    enabled: z.boolean(),
    state: OutputStateSchema,
    bitrateKbps: z.number(),
    bytesOut: z.number(),
    fps: z.number(),
    reconnects: z.number(),
    attempt: z.number().openapi({ description: "Retry number while reconnecting" }),
    nextRetryAt: z.string().nullable(),
    lastError: z.string().nullable(),
    uptimeMs: z.number(),
    queuedBytes: z.number(),
  })
  .openapi("DestinationHealth");

export const StreamHealthSchema = z
  .object({
    live: z.boolean(),
    ingestState: z.enum(["publisher", "slate", "resuming", "offline"]).openapi({
      description: "What destinations receive: the publisher; the slate while the publisher is away; the slate until a returning publisher's first keyframe; nothing",
    }),
    slateUntil: z.string().nullable().openapi({ description: "While on the slate: when the stream ends unless the publisher returns" }),
    ingest: z
      .object({
        bitrateKbps: z.number(),
        fps: z.number(),
        videoCodec: z.string().nullable(),
        audioCodec: z.string().nullable(),
        width: z.number().nullable(),
        height: z.number().nullable(),
        uptimeMs: z.number(),
      })
      .nullable(),
    destinations: z.array(DestinationHealthSchema),
  })
  .openapi("StreamHealth");
