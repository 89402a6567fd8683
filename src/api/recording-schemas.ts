import { z } from "@hono/zod-openapi";
import { CLIP_ID, RECORDING_ID } from "../db/recordings-repo.js";

const recordingId = "rec_4f1c2a9e7a514c0e9d0b2f8e5c1b7a10";
const clipId = "clip_9b7d4e210c3a4f5e8a6b1d2c3e4f5a6b";
const streamId = "3f1c2a9e-7a51-4c0e-9d0b-2f8e5c1b7a10";

/** Ids are checked for their shape before anything is looked up: "../x", "%2e%2e" and the like are 400s. */
export const RecordingParam = z.object({
  recordingId: z
    .string()
    .regex(RECORDING_ID, "must be a recording id (rec_ and 32 hex digits)")
    .openapi({ param: { name: "recordingId", in: "path" }, example: recordingId }),
});
export const ClipParam = z.object({
  clipId: z
    .string()
    .regex(CLIP_ID, "must be a clip id (clip_ and 32 hex digits)")
    .openapi({ param: { name: "clipId", in: "path" }, example: clipId }),
});

export const RecordingSettingsSchema = z
  .object({
    enabled: z.boolean().openapi({ description: "Record every broadcast session of this stream" }),
    includeSlate: z.boolean().openapi({ description: "Keep the slate in the recording (true), or leave it out and join the publisher's return straight on (false)" }),
    retention: z.object({
      days: z.number().nullable().openapi({ description: "Delete this stream's recordings older than this; null: only the global PRISM_RECORDINGS_RETAIN_DAYS" }),
      maxGb: z.number().nullable().openapi({ description: "Keep this stream's recordings and clips under this many GB, oldest deleted first; null: only PRISM_RECORDINGS_MAX_GB" }),
    }),
  })
  .openapi("RecordingSettings", { example: { enabled: true, includeSlate: false, retention: { days: 30, maxGb: 50 } } });

export const RecordingSettingsBody = z
  .strictObject({
    enabled: z.boolean().optional(),
    includeSlate: z.boolean().optional(),
    retention: z
      .strictObject({
        days: z.number().positive("must be greater than 0").max(36_500, "must be at most 36500 (100 years)").nullable().optional(),
        maxGb: z.number().positive("must be greater than 0").max(1_000_000, "must be at most 1000000").nullable().optional(),
      })
      .optional(),
  })
  .openapi("RecordingSettingsPatch", { description: "Recording of the stream's broadcast sessions; a change applies from the next session", example: { enabled: true, includeSlate: false } });

export const MarkerSchema = z
  .object({ id: z.string(), atSec: z.number().openapi({ description: "Seconds into the recording" }), label: z.string().nullable(), createdAt: z.string() })
  .openapi("RecordingMarker", { example: { id: "mrk_0c3a4f5e8a6b1d2c3e4f5a6b9b7d4e21", atSec: 754.2, label: "Boss fight", createdAt: "2025-06-06T19:12:36.300Z" } });

export const RecordingSchema = z
  .object({
    id: z.string(),
    streamId: z.string(),
    sessionId: z.string().openapi({ description: "The broadcast session (stream.* events' sessionId)" }),
    streamName: z.string(),
    startedAt: z.string(),
    endedAt: z.string().nullable(),
    durationSec: z.number().nullable(),
    sizeBytes: z.number(),
    state: z.enum(["recording", "finalizing", "ready", "failed"]),
    paused: z.boolean().openapi({ description: "Recording is paused: the recordings disk is below PRISM_RECORDINGS_MIN_FREE_MB" }),
    note: z.string().nullable().openapi({ description: "Why it failed, that it was repaired after Prism stopped during the session, or (in a cluster) that it goes on after another node that died began it" }),
    videoCodec: z.string().nullable(),
    audioCodec: z.string().nullable(),
    width: z.number().nullable(),
    height: z.number().nullable(),
    includeSlate: z.boolean(),
    markers: z.array(MarkerSchema),
    downloadUrl: z.string().nullable().openapi({ description: "The MP4 (HTTP Range supported), once ready" }),
  })
  .openapi("Recording", {
    example: {
      id: recordingId,
      streamId,
      sessionId: "0b9d3c1e-2f4a-4b5c-8d6e-7f8091a2b3c4",
      streamName: "Friday speedrun",
      startedAt: "2025-06-06T19:00:02.114Z",
      endedAt: "2025-06-06T21:14:40.020Z",
      durationSec: 8077.9,
      sizeBytes: 6_062_000_000,
      state: "ready",
      paused: false,
      note: null,
      videoCodec: "h264",
      audioCodec: "aac",
      width: 1920,
      height: 1080,
      includeSlate: true,
      markers: [{ id: "mrk_0c3a4f5e8a6b1d2c3e4f5a6b9b7d4e21", atSec: 754.2, label: "Boss fight", createdAt: "2025-06-06T19:12:36.300Z" }],
      downloadUrl: `/api/v1/recordings/${recordingId}/download`,
    },
  });

export const ClipSchema = z
  .object({
    id: z.string(),
    recordingId: z.string(),
    streamId: z.string(),
    title: z.string().nullable(),
    requestedStartSec: z.number().openapi({ description: "The start asked for (for a live clip: now minus lastSec)" }),
    startSec: z.number().openapi({ description: "Where the clip really starts in the recording: the keyframe at or before requestedStartSec for a copy, exactly requestedStartSec when precise" }),
    endSec: z.number(),
    durationSec: z.number(),
    precise: z.boolean(),
    sizeBytes: z.number(),
    createdAt: z.string(),
    downloadUrl: z.string(),
  })
  .openapi("Clip", {
    example: {
      id: clipId,
      recordingId,
      streamId,
      title: "The skip",
      requestedStartSec: 755,
      startSec: 754,
      endSec: 785,
      durationSec: 31,
      precise: false,
      sizeBytes: 23_500_000,
      createdAt: "2025-06-06T21:20:00.000Z",
      downloadUrl: `/api/v1/clips/${clipId}/download`,
    },
  });

const title = z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters").optional();
const seconds = (what: string) => z.number({ error: `${what} must be a number of seconds` }).min(0, `${what} must be 0 or more`).max(604_800, `${what} must be at most 604800 (a week)`);

export const CreateClipBody = z
  .strictObject({
    startSec: seconds("startSec"),
    endSec: seconds("endSec"),
    title,
    precise: z.boolean().optional().openapi({ description: "Re-encode from exactly startSec (slower, at most 300 s); default: copy from the keyframe at or before startSec (at most 1800 s)" }),
  })
  .openapi("CreateClip", { example: { startSec: 755, endSec: 785, title: "The skip" } });

export const LiveClipBody = z
  .strictObject({
    lastSec: z.number({ error: "lastSec must be a number of seconds" }).positive("lastSec must be greater than 0").max(600, "lastSec must be at most 600 (10 minutes)").default(30),
    title,
  })
  .openapi("LiveClip", { example: { lastSec: 30, title: "Clutch!" } });

export const MarkerBody = z
  .strictObject({ label: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters").optional() })
  .openapi("CreateMarker", { example: { label: "Boss fight" } });

export const StreamRecordingStatusSchema = z
  .object({
    state: z.enum(["off", "idle", "recording", "paused"]).openapi({ description: "off: recording disabled; idle: enabled, stream not live; paused: the disk is below the floor" }),
    recordingId: z.string().nullable(),
    bytesWritten: z.number(),
    durationSec: z.number().nullable(),
    warnings: z.array(z.string()),
  })
  .openapi("StreamRecordingStatus");
