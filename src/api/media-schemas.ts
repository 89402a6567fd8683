import { z } from "@hono/zod-openapi";

/** An uploaded video (GET /media), as the API and the CLI see it. */
export const MediaSchema = z
  .object({
    id: z.string(),
    name: z.string().openapi({ description: "The uploaded file's name" }),
    durationSec: z.number().openapi({ description: "Length in seconds, as ffprobe reads it" }),
    sizeBytes: z.number().int(),
    container: z.string().openapi({ description: "ffprobe's container name" }),
    video: z.object({ codec: z.string(), width: z.number().int(), height: z.number().int(), fps: z.number().nullable() }),
    audio: z.object({ codec: z.string(), sampleRate: z.number().int(), channels: z.number().int() }).nullable(),
    createdAt: z.string(),
    playing: z
      .object({ eventId: z.string(), streamId: z.string() })
      .nullable()
      .openapi({ description: "The scheduled event streaming this file right now, if any" }),
  })
  .openapi("Media", {
    example: {
      id: "med_3kTq9xZb2LmN4pQr",
      name: "trailer.mp4",
      durationSec: 10.01,
      sizeBytes: 1843200,
      container: "mov,mp4,m4a,3gp,3g2,mj2",
      video: { codec: "h264", width: 1280, height: 720, fps: 30 },
      audio: { codec: "aac", sampleRate: 48000, channels: 2 },
      createdAt: "2026-12-06T01:30:00.000Z",
      playing: null,
    },
  });
