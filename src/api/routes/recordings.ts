import { createRoute, z } from "@hono/zod-openapi";
import type { StreamsStore } from "../../db/store.js";
import type { ClipRow, MarkerRow } from "../../db/schema/index.js";
import { RecordingsError, type RecordingsApi, type RecordingView } from "../../recordings/index.js";
import { body, json, newRouter } from "../router.js";
import { API_PREFIX } from "../paths.js";
import { ApiError, ErrorSchema, commonErrors, notFound, notFoundError } from "../errors.js";
import { IdParam } from "../schemas.js";
import { fileResponse } from "../file-download.js";
import { ClipParam, ClipSchema, CreateClipBody, LiveClipBody, MarkerBody, MarkerSchema, RecordingParam, RecordingSchema } from "../recording-schemas.js";

const errorContent = { "application/json": { schema: ErrorSchema } };
const conflict = { 409: { description: "Not possible in the recording's or stream's current state", content: errorContent } } as const;
const busy = { 429: { description: "Clips are being made already; try again shortly", content: errorContent } } as const;
const binary = z.string().openapi({ format: "binary", example: "(the MP4's bytes)" });
const mp4 = (description: string) => ({
  200: { description, content: { "video/mp4": { schema: binary } } },
  206: { description: "The byte range asked for (Range: bytes=…)", content: { "video/mp4": { schema: binary } } },
  416: {
    description: "The range lies past the end of the file",
    content: {
      "application/json": {
        schema: ErrorSchema,
        example: { error: { code: "range_not_satisfiable", message: "The file has 6062000000 bytes; ask for a range within bytes=0-6061999999.", details: { size: 6062000000 } } },
      },
    },
  },
});

const STATUS = { not_found: 404, conflict: 409, invalid: 400, busy: 429 } as const;

/** The recordings service's refusals as API errors; anything else is a 500 (logged). */
export async function asApiError<T>(work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof RecordingsError) throw new ApiError(STATUS[err.kind], err.code, err.message);
    throw err;
  }
}

export const recordingView = ({ row, durationSec, sizeBytes, paused, markers }: RecordingView) => ({
  id: row.id,
  streamId: row.streamId,
  sessionId: row.sessionId,
  streamName: row.streamName,
  startedAt: new Date(row.startedAt).toISOString(),
  endedAt: row.endedAt === null ? null : new Date(row.endedAt).toISOString(),
  durationSec: durationSec === null ? null : Math.round(durationSec * 1000) / 1000,
  sizeBytes,
  state: row.state as "recording" | "finalizing" | "ready" | "failed",
  paused,
  note: row.note,
  videoCodec: row.videoCodec,
  audioCodec: row.audioCodec,
  width: row.width,
  height: row.height,
  includeSlate: row.includeSlate,
  markers: markers.map(markerView),
  downloadUrl: row.state === "ready" ? `${API_PREFIX}/recordings/${row.id}/download` : null,
});

/** A marker as the API answers it; with its recording's id where it stands alone (just dropped). */
export const markerView = (m: MarkerRow) => ({ id: m.id, atSec: m.atSec, label: m.label, createdAt: new Date(m.createdAt).toISOString() });
export const droppedMarkerView = (m: MarkerRow) => ({ ...markerView(m), recordingId: m.recordingId });

export const clipView = (c: ClipRow) => ({
  id: c.id,
  recordingId: c.recordingId,
  streamId: c.streamId,
  title: c.title,
  requestedStartSec: c.requestedStartSec,
  startSec: c.startSec,
  endSec: c.endSec,
  durationSec: c.durationSec,
  precise: c.precise,
  sizeBytes: c.sizeBytes,
  createdAt: new Date(c.createdAt).toISOString(),
  downloadUrl: `${API_PREFIX}/clips/${c.id}/download`,
});

/** "Friday speedrun 2025-06-06 19-00.mp4" */
const fileName = (streamName: string, startedAt: number, suffix = "") => `${streamName} ${new Date(startedAt).toISOString().slice(0, 16).replace("T", " ").replace(":", "-")}${suffix}.mp4`;

export function recordingRoutes({ streams, recordings }: { streams: StreamsStore; recordings: RecordingsApi }) {
  const app = newRouter();
  const stream = async (id: string) => {
    const s = await streams.get(id);
    if (!s) throw notFound("Stream");
    return s;
  };
  const recording = async (id: string) => {
    const r = await recordings.get(id);
    if (!r) throw notFound("Recording");
    return r;
  };

  app.openapi(
    createRoute({
      method: "get",
      path: "/streams/{id}/recordings",
      summary: "A stream's recordings, newest first (one per broadcast session)",
      request: { params: IdParam },
      responses: { 200: json(z.array(RecordingSchema), "Recordings"), ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await stream(id);
      return c.json((await recordings.list(id)).map(recordingView), 200);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/recordings/{recordingId}", summary: "A recording, with its markers", request: { params: RecordingParam }, responses: { 200: json(RecordingSchema, "The recording"), ...commonErrors, ...notFoundError } }),
    async (c) => c.json(recordingView(await recording(c.req.valid("param").recordingId)), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/recordings/{recordingId}/download",
      summary: "The recording's MP4 (faststart; HTTP Range supported, so a <video> seeks)",
      request: { params: RecordingParam },
      responses: { ...mp4("The MP4"), ...commonErrors, ...notFoundError, ...conflict },
    }),
    async (c) => {
      const { recordingId } = c.req.valid("param");
      const r = await recording(recordingId);
      const file = await recordings.mp4Path(recordingId);
      if (!file) throw new ApiError(409, "recording_not_ready", `This recording is ${r.row.state}; its MP4 can be downloaded once it is ready.`);
      return fileResponse(file.path, { range: c.req.header("range"), downloadName: fileName(r.row.streamName, r.row.startedAt), type: "video/mp4" }) as never;
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/recordings/{recordingId}",
      summary: "Delete a recording with its clips and markers (a download under way still completes)",
      request: { params: RecordingParam },
      responses: { 204: { description: "Deleted" }, ...commonErrors, ...notFoundError, ...conflict },
    }),
    async (c) => {
      if (!(await asApiError(() => recordings.delete(c.req.valid("param").recordingId)))) throw notFound("Recording");
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/recordings/{recordingId}/clips",
      summary: "Cut a clip: copied from the keyframe at or before startSec (startSec in the answer says where it really starts), or re-encoded from exactly startSec with precise: true",
      request: { params: RecordingParam, ...body(CreateClipBody) },
      responses: { 201: json(ClipSchema, "The clip, ready to download"), ...commonErrors, ...notFoundError, ...conflict, ...busy },
    }),
    async (c) => {
      const { recordingId } = c.req.valid("param");
      const clip = await asApiError(() => recordings.clip(recordingId, c.req.valid("json")));
      return c.json(clipView(clip), 201);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/recordings/{recordingId}/clips", summary: "A recording's clips, oldest first", request: { params: RecordingParam }, responses: { 200: json(z.array(ClipSchema), "Clips"), ...commonErrors, ...notFoundError } }),
    async (c) => {
      const { recordingId } = c.req.valid("param");
      await recording(recordingId);
      return c.json((await recordings.clips(recordingId)).map(clipView), 200);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/clips/{clipId}", summary: "A clip", request: { params: ClipParam }, responses: { 200: json(ClipSchema, "The clip"), ...commonErrors, ...notFoundError } }),
    async (c) => {
      const clip = await recordings.clipById(c.req.valid("param").clipId);
      if (!clip) throw notFound("Clip");
      return c.json(clipView(clip), 200);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/clips/{clipId}/download", summary: "The clip's MP4 (HTTP Range supported)", request: { params: ClipParam }, responses: { ...mp4("The MP4"), ...commonErrors, ...notFoundError } }),
    async (c) => {
      const found = await recordings.clipPath(c.req.valid("param").clipId);
      if (!found) throw notFound("Clip");
      const { clip } = found;
      const name = `${clip.title ?? "Clip"} ${clip.startSec.toFixed(0)}s-${clip.endSec.toFixed(0)}s.mp4`;
      return fileResponse(found.path, { range: c.req.header("range"), downloadName: name, type: "video/mp4" }) as never;
    },
  );

  app.openapi(
    createRoute({ method: "delete", path: "/clips/{clipId}", summary: "Delete a clip", request: { params: ClipParam }, responses: { 204: { description: "Deleted" }, ...commonErrors, ...notFoundError } }),
    async (c) => {
      if (!(await recordings.deleteClip(c.req.valid("param").clipId))) throw notFound("Clip");
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/streams/{id}/clips",
      summary: "Clip that: the last lastSec seconds of the live session, from the keyframe at or before their start",
      request: { params: IdParam, body: { required: false, content: { "application/json": { schema: LiveClipBody } } } },
      responses: { 201: json(ClipSchema, "The clip, ready to download"), ...commonErrors, ...notFoundError, ...conflict, ...busy },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await stream(id);
      const { lastSec, title } = c.req.valid("json") ?? { lastSec: 30 };
      const clip = await asApiError(() => recordings.liveClip(id, lastSec, title ?? null));
      return c.json(clipView(clip), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/streams/{id}/markers",
      summary: "Drop a marker at this moment of the live recording, to clip around later",
      request: { params: IdParam, body: { required: false, content: { "application/json": { schema: MarkerBody } } } },
      responses: { 201: json(MarkerSchema.extend({ recordingId: z.string() }), "The marker"), ...commonErrors, ...notFoundError, ...conflict },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await stream(id);
      const label = c.req.valid("json")?.label ?? null;
      const marker = await asApiError(() => recordings.marker(id, label));
      return c.json(droppedMarkerView(marker), 201);
    },
  );

  return app;
}
