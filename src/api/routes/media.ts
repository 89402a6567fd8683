import { Readable } from "node:stream";
import { createRoute, z } from "@hono/zod-openapi";
import type { MediaFile } from "../../db/media-repo.js";
import { MediaError, receiveUpload, type MediaApi } from "../../media-library/index.js";
import { json, newRouter } from "../router.js";
import { ApiError, commonErrors, notFound, notFoundError, ErrorSchema } from "../errors.js";
import { MediaSchema } from "../media-schemas.js";

/** The one POST that takes a video instead of JSON: the body guards let it through (app.ts). */
export const MEDIA_UPLOAD_PATH = "/api/v1/media";

const MediaIdParam = z.object({ mediaId: z.string().openapi({ param: { name: "mediaId", in: "path" }, example: "med_3kTq9xZb2LmN4pQr" }) });
const errorJson = (description: string, example: z.infer<typeof ErrorSchema>) => ({ description, content: { "application/json": { schema: ErrorSchema, example } } });

/** At most this many event ids are named in a media_scheduled refusal. */
const NAMED_EVENTS = 5;

export function mediaRoutes({ media, eventsNaming }: { media: MediaApi; eventsNaming(mediaId: string): Promise<Array<{ id: string; startsAt: Date }>> }) {
  const app = newRouter();
  const { library, player } = media;

  const view = (m: MediaFile) => {
    const playing = player.playingMedia(m.id);
    return {
      id: m.id,
      name: m.name,
      durationSec: m.durationSec,
      sizeBytes: m.sizeBytes,
      container: m.container,
      video: m.video,
      audio: m.audio,
      createdAt: m.createdAt.toISOString(),
      playing: playing && { eventId: playing.eventId, streamId: playing.streamId },
    };
  };
  const asApiError = (err: unknown) => (err instanceof MediaError ? new ApiError(err.status, err.code, err.message, err.details) : err);

  // Documented here, handled below without a validator: zod-openapi's form validator would read
  // the whole body into memory, and a video must stream to disk.
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/media",
    summary: "Upload a video to stream as live later (MP4/MOV/MKV/FLV, H.264 or HEVC + AAC)",
    description:
      "multipart/form-data with the file in the field `file`, or the file itself as the body (`Content-Type: video/mp4`, name in `?name=`). Streamed to disk, checked with ffprobe; at most PRISM_MEDIA_MAX_MB.",
    request: {
      body: {
        required: true,
        content: {
          "multipart/form-data": { schema: z.object({ file: z.string().openapi({ format: "binary" }) }) },
          "video/mp4": { schema: z.string().openapi({ format: "binary" }) },
        },
      },
    },
    responses: {
      201: json(MediaSchema, "Stored; play it with a scheduled event whose source is { type: media, mediaId }"),
      ...commonErrors,
      413: errorJson("Larger than PRISM_MEDIA_MAX_MB", { error: { code: "media_too_large", message: "The file is larger than the 1024 MB limit (PRISM_MEDIA_MAX_MB); shorten it or lower its bitrate.", details: { maxBytes: 1073741824 } } }),
      415: errorJson("Neither multipart/form-data nor a video body", { error: { code: "unsupported_media_type", message: 'Send the video as multipart/form-data (field "file") or as the body with a video/* Content-Type.' } }),
      422: errorJson("Not a video Prism can stream", { error: { code: "unplayable_media", message: "Prism cannot stream this file: Its video is vp9; Prism plays H.264 or HEVC (re-encode it, e.g. ffmpeg -c:v libx264)." } }),
      429: errorJson("Too many uploads at once", { error: { code: "too_many_uploads", message: "4 uploads are already in progress; try again when one has finished." } }),
    },
  });
  app.post("/media", async (c) => {
    const length = c.req.header("content-length");
    const body = c.req.raw.body;
    try {
      if (!body) throw new MediaError(400, "missing_file", 'Send the video in a multipart/form-data field named "file".');
      const file = await receiveUpload(library, {
        contentType: c.req.header("content-type") ?? "",
        contentLength: length === undefined ? undefined : Number(length),
        name: c.req.query("name"),
        body: Readable.fromWeb(body as import("node:stream/web").ReadableStream),
      });
      return c.json(view(file), 201);
    } catch (err) {
      // What is left of a refused body is never read: this connection cannot carry another request.
      if (err instanceof MediaError) c.header("Connection", "close");
      throw asApiError(err);
    }
  });

  app.openapi(
    createRoute({ method: "get", path: "/media", summary: "List uploaded videos", responses: { 200: json(z.array(MediaSchema), "Uploaded videos, newest first"), ...commonErrors } }),
    async (c) => c.json((await library.list()).map(view), 200),
  );

  app.openapi(
    createRoute({ method: "get", path: "/media/{mediaId}", summary: "Get an uploaded video", request: { params: MediaIdParam }, responses: { 200: json(MediaSchema, "The video"), ...commonErrors, ...notFoundError } }),
    async (c) => {
      const file = await library.get(c.req.valid("param").mediaId);
      if (!file) throw notFound("Media file");
      return c.json(view(file), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/media/{mediaId}",
      summary: "Delete an uploaded video (refused while an event streams it or is scheduled to)",
      request: { params: MediaIdParam },
      responses: {
        204: { description: "Deleted" },
        ...commonErrors,
        ...notFoundError,
        409: errorJson("An event is streaming it now (media_in_use), or an event still scheduled names it as its source (media_scheduled, details.eventIds)", {
          error: {
            code: "media_scheduled",
            message: "Scheduled event sev_4d1a (starts 2026-12-11T19:00:00.000Z) will stream this file; pick another video for it or cancel it (PATCH or DELETE /api/v1/events/:eventId), then delete the file.",
            details: { eventIds: ["sev_4d1a"] },
          },
        }),
      },
    }),
    async (c) => {
      const { mediaId } = c.req.valid("param");
      const playing = player.playingMedia(mediaId);
      if (playing) {
        throw new ApiError(409, "media_in_use", `Event ${playing.eventId} is streaming this file into stream ${playing.streamId} right now; cancel the event or wait for it to end, then delete the file.`, {
          eventId: playing.eventId,
          streamId: playing.streamId,
        });
      }
      const scheduled = await eventsNaming(mediaId);
      if (scheduled.length > 0) {
        const named = scheduled.slice(0, NAMED_EVENTS).map((e) => `${e.id} (starts ${e.startsAt.toISOString()})`).join(", ");
        const more = scheduled.length > NAMED_EVENTS ? ` and ${scheduled.length - NAMED_EVENTS} more` : "";
        throw new ApiError(409, "media_scheduled", `Scheduled event${scheduled.length > 1 ? "s" : ""} ${named}${more} will stream this file; pick another video for ${scheduled.length > 1 ? "them" : "it"} or cancel ${scheduled.length > 1 ? "them" : "it"} (PATCH or DELETE /api/v1/events/:eventId), then delete the file.`, {
          eventIds: scheduled.map((e) => e.id),
        });
      }
      if (!(await library.remove(mediaId))) throw notFound("Media file");
      return c.body(null, 204);
    },
  );

  return app;
}
