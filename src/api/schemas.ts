import { z } from "@hono/zod-openapi";
import { platformIds } from "../destinations/registry.js";
import { destinationSettingsFields, platformNames } from "./destination-settings.js";
import { RecordingSettingsBody, RecordingSettingsSchema, StreamRecordingStatusSchema } from "./recording-schemas.js";

const name = z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters");

// Examples for the API reference; the OpenAPI test checks each one against its own schema.
const streamExample = {
  id: "5b0c8f8e-2d7a-4c1e-9a43-1f0e6b7d2c11",
  name: "Main",
  ingestUrl: "rtmp://192.168.1.10:1935/live",
  secureIngestUrl: null,
  streamKey: "••••••••Qx7a",
  backupStreamKey: "••••••••Vb3d",
  live: true,
  slate: { enabled: true, maxSeconds: 300, customImage: false },
  recording: { enabled: true, includeSlate: false, retention: { days: 30, maxGb: null } },
  title: "Friday speedrun: any% in under an hour",
  description: null,
  createdAt: "2026-11-24T06:00:00.000Z",
  updatedAt: "2026-11-24T06:00:00.000Z",
};
const destinationExample = {
  id: "9f1e2d3c-4b5a-4697-8877-665544332211",
  streamId: streamExample.id,
  platform: "custom",
  name: "My RTMP server",
  url: "rtmp://live.example.com/app",
  streamKey: "••••••••k9Lm",
  enabled: true,
  transcode: "auto" as const,
  accountId: null,
  createdAt: "2026-11-24T06:01:00.000Z",
  updatedAt: "2026-11-24T06:01:00.000Z",
};
const destinationHealthExample = {
  id: destinationExample.id,
  name: "My RTMP server",
  enabled: true,
  state: "live" as const,
  bitrateKbps: 6120,
  bytesOut: 229_500_000,
  fps: 30,
  reconnects: 1,
  attempt: 0,
  nextRetryAt: null,
  lastError: "Could not connect to rtmp://live.example.com:1935: no RTMP server accepted the connection.",
  lastErrorAt: "2026-11-24T06:03:12.000Z",
  lastErrorCurrent: false,
  outageSince: null,
  uptimeMs: 300_000,
  queuedBytes: 0,
  warnings: [] as string[],
  chat: { state: "live" as const },
  quota: null,
  viewers: { count: 412, at: "2026-11-24T06:05:00.512Z" },
  transcode: {
    mode: "transcode" as const,
    profile: { video: { codec: "h264" as const, width: 1280, height: 720, fps: 30, kbps: 4500, keyframeIntervalSec: 2 }, audio: { codec: "copy" as const } },
    reasons: ["A keyframe comes only every 4 s, but the platform needs one at least every 2 s: set OBS → Settings → Output → Keyframe Interval to 2, or let Prism re-encode for it (transcode \"auto\")."],
    fps: 30,
    bitrateKbps: 4610,
    speed: 1,
    droppedFrames: 0,
    restarts: 0,
    lastError: null,
  },
};

export const IdParam = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" }, example: "5b0c…" }) });
export const DestinationParams = IdParam.extend({
  destId: z.string().openapi({ param: { name: "destId", in: "path" } }),
});

export const CreateStreamBody = z.object({ name }).openapi("CreateStream", { example: { name: "Main" } });
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

// 140 and 5000: the shortest channel title and the broadcast description limit among the platforms that take them.
const streamTitle = z.string().trim().min(1, "must not be empty").max(140, "must be at most 140 characters (the shortest title a platform takes)").nullable().optional().openapi({
  description: "Title pushed at go-live to linked destinations whose platform takes one (a channel or broadcast title); null: the stream's name",
});
const streamDescription = z.string().max(5000, "must be at most 5000 characters (a platform's broadcast description limit)").nullable().optional().openapi({ description: "Broadcast description, for linked destinations whose platform takes one" });

export const UpdateStreamBody = z
  .object({ name: name.optional(), slate: SlateSettingsBody.optional(), title: streamTitle, description: streamDescription, recording: RecordingSettingsBody.optional() })
  .refine(
    (b) => b.name !== undefined || b.slate !== undefined || b.title !== undefined || b.description !== undefined || b.recording !== undefined,
    "give name, slate, title, description and/or recording",
  )
  .openapi("UpdateStream", { example: { name: "Main (backup)", slate: { enabled: true, maxSeconds: 600 } } });

export const RotateKeyBody = z
  .strictObject({
    which: z.enum(["primary", "backup"], { error: 'must be "primary" or "backup"' }).default("primary").openapi({ description: "Which key to replace: the main encoder's (default) or the backup encoder's" }),
  })
  .openapi("RotateKey", { example: { which: "backup" } });

export const StreamSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    ingestUrl: z.string().openapi({ description: "OBS → Settings → Stream → Custom → Server", example: "rtmp://192.168.1.10:1935/live" }),
    secureIngestUrl: z.string().nullable().openapi({ description: "The same over TLS (rtmps://), when the RTMPS ingest is enabled", example: null }),
    streamKey: z.string().openapi({ description: "OBS → Stream Key. Shown in full only when created or rotated; masked elsewhere." }),
    backupStreamKey: z.string().openapi({
      description:
        "The stream key of a second (backup) encoder, publishing to ingestUrl + \"/\" + backupStreamKey while the main one is live: Prism switches to it when the main encoder drops or stalls and back once the main one is steady. Shown in full only when created or rotated (which: \"backup\"); masked elsewhere.",
      example: "••••••••Vb3d",
    }),
    live: z.boolean(),
    slate: z.object({
      enabled: z.boolean(),
      maxSeconds: z.number(),
      customImage: z.boolean().openapi({ description: "false: Prism's default 'Be right back' image" }),
    }),
    recording: RecordingSettingsSchema,
    title: z.string().nullable().openapi({ description: "Pushed at go-live to linked destinations whose platform takes a title; null: the name is used" }),
    description: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Stream", { example: streamExample });

// Bounds that keep a typo from asking ffmpeg for something absurd; platforms' own caps are far inside them.
const OutputProfileBody = z
  .strictObject({
    videoKbps: z.number().int().min(100, "must be at least 100").max(100_000, "must be at most 100000").optional(),
    width: z.number().int().min(16, "must be at least 16").max(7680, "must be at most 7680").optional(),
    height: z.number().int().min(16, "must be at least 16").max(4320, "must be at most 4320").optional(),
    fps: z.number().min(1, "must be at least 1").max(120, "must be at most 120").optional(),
    keyframeIntervalSec: z.number().min(0.5, "must be at least 0.5").max(10, "must be at most 10").optional(),
    audioKbps: z.number().int().min(32, "must be at least 32").max(512, "must be at most 512").optional(),
  })
  .refine((p) => Object.keys(p).length > 0, "give at least one of videoKbps, width, height, fps, keyframeIntervalSec, audioKbps");

export const TranscodeSettingSchema = z
  .union([z.enum(["auto", "copy"]), OutputProfileBody], {
    error: 'must be "auto", "copy" or a profile { videoKbps?, width?, height?, fps?, keyframeIntervalSec?, audioKbps? }',
  })
  .openapi("TranscodeSetting", {
    description:
      '"auto" (default): copy when the ingest keeps the platform\'s limits, else re-encode down to them; "copy": always relay unchanged; a profile: re-encode to it (unset fields follow the platform\'s limits). Never scales up.',
    example: { width: 1280, height: 720, videoKbps: 2500, keyframeIntervalSec: 2 },
  });

export const CreateDestinationBody = z
  .object({
    platform: z.enum(platformIds).default("custom"),
    name: name.optional().openapi({ description: "Required with url + streamKey; with accountId it defaults to the platform and account name" }),
    url: z
      .string()
      .min(1, "must not be empty")
      .max(2048)
      .optional()
      .openapi({ example: "rtmp://live.example.com/app", description: `Required unless accountId is given${platformNames.typedIngest ? ` (${platformNames.typedIngest} needs both)` : ""}` }),
    streamKey: z.string().min(1, "must not be empty").max(1024).optional(),
    accountId: z.string().min(1, "must not be empty").max(100).optional().openapi({
      description:
        `A linked account (GET /accounts): ${platformNames.accountIngest} then hand out the ingest URL and key at every go-live and reconnect, so no url or streamKey is given` +
        (platformNames.typedIngest ? `; ${platformNames.typedIngest} destinations still take the url + streamKey the streamer copies from the platform` : ""),
    }),
    enabled: z.boolean().default(true),
    transcode: TranscodeSettingSchema.default("auto"),
    ...destinationSettingsFields("input"),
  })
  .openapi("CreateDestination", { example: { platform: "custom", name: "My RTMP server", url: "rtmp://live.example.com/app", streamKey: "live_123456789_AbCdEf", enabled: true } });

export const UpdateDestinationBody = z
  .object({
    name: name.optional(),
    url: z.string().min(1).max(2048).optional(),
    streamKey: z.string().min(1).max(1024).optional(),
    enabled: z.boolean().optional(),
    transcode: TranscodeSettingSchema.optional(),
    ...destinationSettingsFields("update"),
  })
  .refine((b) => Object.keys(b).length > 0, `give at least one of ${["name", "url", "streamKey", "enabled", "transcode", ...Object.keys(destinationSettingsFields("update"))].join(", ")}`)
  .openapi("UpdateDestination", { example: { enabled: false } });

export const DestinationSchema = z
  .object({
    id: z.string(),
    streamId: z.string(),
    platform: z.string(),
    name: z.string(),
    url: z.string(),
    streamKey: z.string().openapi({ description: "Masked" }),
    enabled: z.boolean(),
    transcode: TranscodeSettingSchema,
    accountId: z.string().nullable().openapi({ description: "The linked account the ingest comes from (url and streamKey are then empty: fetched at go-live)" }),
    ...destinationSettingsFields("view"),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Destination", { example: destinationExample });

export const OutputStateSchema = z.enum(["idle", "connecting", "live", "reconnecting", "failed", "stopped"]);

const TranscodeFormatSchema = z
  .object({
    video: z.union([
      z.object({ codec: z.literal("copy") }),
      z.object({ codec: z.literal("h264"), width: z.number(), height: z.number(), fps: z.number(), kbps: z.number(), keyframeIntervalSec: z.number() }),
    ]),
    audio: z.union([
      z.object({ codec: z.enum(["copy", "none"]) }),
      z.object({ codec: z.literal("aac"), kbps: z.number(), silent: z.boolean().openapi({ description: "A silent track Prism adds because the ingest has none" }) }),
    ]),
  })
  .openapi("TranscodeProfile", { description: "What the destination is sent: each track copied or re-encoded" });

const DestinationTranscodeSchema = z
  .object({
    mode: z.enum(["copy", "transcode", "measuring"]).openapi({ description: '"measuring": auto mode is measuring the ingest (keyframe interval, bitrate) to choose' }),
    profile: TranscodeFormatSchema.optional(),
    reasons: z.array(z.string()).optional().openapi({ description: "Why Prism transcodes" }),
    fps: z.number().optional(),
    bitrateKbps: z.number().optional(),
    speed: z.number().optional().openapi({ description: "ffmpeg's speed: below 1 this machine cannot keep up" }),
    droppedFrames: z.number().optional(),
    restarts: z.number().optional(),
    lastError: z.string().nullable().optional().openapi({ description: "Why ffmpeg last stopped, with its last error lines" }),
  })
  .openapi("DestinationTranscode");

const DestinationViewersSchema = z
  .union([
    z.object({
      count: z.number().int().openapi({ description: "Viewers the platform counted at its last read" }),
      at: z.string().openapi({ description: "When Prism read it (each platform is read at its own pace)" }),
      totalViews: z.number().int().optional().openapi({ description: "Views of the whole broadcast so far, where the platform reports them" }),
    }),
    z.object({
      unavailable: z.string().openapi({
        description:
          'Why there is no count, in words: "hidden" (the channel owner hides it; a platform may also leave it out while nobody watches), not live on the platform yet, not available on that platform or without a linked account, or the error the platform gave while Prism backs off',
      }),
    }),
    z.null(),
  ])
  .openapi({ description: "The destination's live viewers while the stream is live; null otherwise", example: { count: 412, at: "2026-11-24T06:05:00.512Z" } });

export const DestinationHealthSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    enabled: z.boolean(),
    state: OutputStateSchema,
    bitrateKbps: z.number(),
    bytesOut: z.number(),
    fps: z.number(),
    reconnects: z.number().openapi({ description: "Drops after which the destination came back (was live, dropped, is live again), in this run of the stream; /metrics' prism_destination_reconnects_total" }),
    attempt: z.number().openapi({ description: "Retry number within the current outage (1 = the first retry after the drop); 0 when not reconnecting" }),
    nextRetryAt: z.string().nullable(),
    lastError: z.string().nullable().openapi({ description: "The most recent error; current only while lastErrorCurrent, else history (see lastErrorAt)" }),
    lastErrorAt: z.string().nullable().openapi({ description: "When lastError happened" }),
    lastErrorCurrent: z.boolean().openapi({ description: "true while the destination is reconnecting or failed because of lastError; false once it is live (or idle) again" }),
    outageSince: z.string().nullable().openapi({ description: "When the current outage began (first drop or refusal); null when there is none" }),
    uptimeMs: z.number(),
    queuedBytes: z.number(),
    warnings: z.array(z.string()).openapi({ description: "Platform rules the stream this destination receives breaks, and what to do" }),
    // A union, not .nullable(): that would make the shared DestinationTranscode component itself accept null.
    transcode: z.union([DestinationTranscodeSchema, z.null()]).openapi({ description: "Copy or transcode, while the stream is live; null otherwise" }),
    chat: z
      .object({
        state: z.enum(["connecting", "live", "reconnecting", "failed"]),
        detail: z.string().optional().openapi({ description: "Why the reader is not live, in words the streamer can act on (e.g. the platform's daily quota is used up until it resets)" }),
      })
      .nullable()
      .openapi({ description: "The destination's chat reader while the stream is live; null when its chat is not read" }),
    quota: z
      .object({
        unitsToday: z.number().openapi({ description: "Units of the platform's daily API quota the linked account spent today (in the platform's own day)" }),
        dailyLimit: z.number().openapi({ description: "The app's daily allowance, shared by every account linked through it" }),
        resetsAt: z.string().openapi({ description: "When the count starts again (the platform's own midnight)" }),
      })
      .nullable()
      .openapi({ description: "The linked account's API quota, where the platform counts one; null otherwise" }),
    viewers: DestinationViewersSchema,
  })
  .openapi("DestinationHealth", { example: destinationHealthExample });

const inputHealthExample = {
  connected: true,
  bitrateKbps: 6150,
  fps: 30,
  codecs: { video: "H264", audio: "AAC" },
  size: { width: 1920, height: 1080 },
  lastMediaAt: "2026-11-24T06:05:01.250Z",
};

const InputHealthSchema = z
  .object({
    connected: z.boolean().openapi({ description: "Whether this encoder is publishing now" }),
    bitrateKbps: z.number(),
    fps: z.number(),
    codecs: z.object({ video: z.string().nullable(), audio: z.string().nullable() }),
    size: z.object({ width: z.number(), height: z.number() }).nullable(),
    lastMediaAt: z.string().nullable().openapi({ description: "When its last audio or video frame arrived" }),
  })
  .openapi("EncoderHealth", { example: inputHealthExample });

export const StreamHealthSchema = z
  .object({
    live: z.boolean(),
    ingestState: z.enum(["publisher", "backup", "slate", "stalled", "resuming", "offline"]).openapi({
      description:
        "What destinations receive: the publisher (the primary encoder); the backup encoder (publishing with backupStreamKey) while the primary is lost or not yet steady; the slate while the publisher is away; the slate while the publisher is connected but has sent nothing for PRISM_INGEST_STALL_MS (or nothing, when the slate is off); the slate until a returning publisher's first keyframe; nothing",
    }),
    ingestWarnings: z.array(z.string()).openapi({
      description: "What is wrong with the ingest, in words (e.g. a publisher connected but silent); empty when all is well",
      example: ["OBS is connected but has sent nothing for 2.4 s; destinations show the slate until it sends again."],
    }),
    slateUntil: z.string().nullable().openapi({ description: "While on the slate: when the stream ends unless the publisher returns" }),
    recording: StreamRecordingStatusSchema,
    ingestStatus: z
      .object({
        tone: z.enum(["ok", "warn", "alert", "off"]).openapi({ description: "ok: on air as planned; warn: on air but not as planned (backup, resuming); alert: the publisher is lost (slate, stalled); off: offline" }),
        headline: z.string().openapi({ description: "What is happening, in words" }),
        next: z.string().openapi({ description: "What happens next, in words (with the countdown while on the slate)" }),
        endsInSec: z.number().nullable().openapi({ description: "Seconds until the stream ends on its own (the slate's deadline); null when it will not" }),
      })
      .openapi({ description: "ingestState in words, as the dashboard and `prism status` show it", example: { tone: "alert", headline: "OBS is gone — showing the slate", next: "the stream ends in 4:12 unless it comes back", endsInSec: 252 } }),
    ingest: z
      .object({
        bitrateKbps: z.number(),
        fps: z.number(),
        videoCodec: z.string().nullable(),
        audioCodec: z.string().nullable(),
        width: z.number().nullable(),
        height: z.number().nullable(),
        uptimeMs: z.number(),
        primary: InputHealthSchema.openapi({ description: "The primary encoder (streamKey), on air or not" }),
        backup: InputHealthSchema.openapi({ description: "The backup encoder (backupStreamKey), on air or not" }),
      })
      .nullable()
      .openapi({ description: "What goes on air (bitrateKbps…uptimeMs), and each encoder's own figures; null while offline" }),
    viewers: z
      .object({ count: z.number().int(), at: z.string() })
      .nullable()
      .openapi({ description: "The stream's live viewers: its destinations' counts added up (at: the newest read); null when none has a count or the stream is offline" }),
    destinations: z.array(DestinationHealthSchema),
  })
  .openapi("StreamHealth", {
    example: {
      live: true,
      ingestState: "publisher",
      slateUntil: null,
      ingestStatus: { tone: "ok", headline: "Live from OBS", next: "every enabled destination gets OBS's stream", endsInSec: null },
      ingestWarnings: [],
      recording: { state: "recording", recordingId: "rec_4f1c2a9e7a514c0e9d0b2f8e5c1b7a10", bytesWritten: 1_386_000_000, durationSec: 1802.4, warnings: [] },
      ingest: {
        bitrateKbps: 6150,
        fps: 30,
        videoCodec: "h264",
        audioCodec: "aac",
        width: 1920,
        height: 1080,
        uptimeMs: 302_000,
        primary: inputHealthExample,
        backup: { ...inputHealthExample, bitrateKbps: 3020, codecs: { video: "H264", audio: "AAC" }, size: { width: 1280, height: 720 } },
      },
      viewers: { count: 412, at: "2026-11-24T06:05:00.512Z" },
      destinations: [
        destinationHealthExample,
        {
          ...destinationHealthExample,
          id: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
          name: "Backup server",
          state: "reconnecting",
          bitrateKbps: 0,
          fps: 0,
          reconnects: 2,
          attempt: 3,
          nextRetryAt: "2026-11-24T06:05:02.000Z",
          lastErrorAt: "2026-11-24T06:04:58.000Z",
          lastErrorCurrent: true,
          outageSince: "2026-11-24T06:04:40.000Z",
          lastError: "Could not connect to rtmp://backup.example.com:1935: no RTMP server accepted the connection. Check the host, port and rtmp:// or rtmps:// of the URL, that the server is running and reachable from the Prism machine; Prism's log has the network error.",
          uptimeMs: 0,
          viewers: { unavailable: "a custom RTMP(S) server tells Prism nothing about who watches" },
          transcode: { mode: "copy" },
          warnings: ["There is no audio track, and this platform silently refuses a stream without audio: add an audio source in OBS (even a muted microphone), or let Prism add silence (transcode \"auto\")."],
        },
      ],
    },
  });
