import type { Readable } from "node:stream";
import { lazyModule } from "../core/lazy-module.js";
import type { MediaFile } from "../db/media-repo.js";
import { MediaError } from "./errors.js";
import { tooLarge, type MediaLibrary } from "./library.js";

/** The multipart parser loads with the first upload: a relay nobody uploads to never carries it. */
const busboy = lazyModule<typeof import("@fastify/busboy")>(import.meta.url, "@fastify/busboy");

/** Room for the multipart boundaries and part headers around the file in a declared Content-Length. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
const RAW_TYPES = /^(video\/[\w.+-]+|application\/octet-stream)\s*(;|$)/i;
const MULTIPART = /^multipart\/form-data\s*;/i;

export interface UploadRequest {
  contentType: string;
  /** The declared Content-Length, when there is one. */
  contentLength: number | undefined;
  /** For a raw body: the file's name (the ?name= query). */
  name: string | undefined;
  body: Readable;
}

/**
 * POST /media's body: multipart/form-data with the file in the field `file`, or the file itself as
 * the body (video/* or application/octet-stream). A declared length over the limit is refused
 * before a byte is read; otherwise bytes are counted as they arrive.
 */
export async function receiveUpload(library: MediaLibrary, req: UploadRequest): Promise<MediaFile> {
  const { maxBytes } = library.settings;
  const multipart = MULTIPART.test(req.contentType);
  if (!multipart && !RAW_TYPES.test(req.contentType)) {
    throw new MediaError(415, "unsupported_media_type", `Send the video as multipart/form-data (field "file") or as the body with a video/* Content-Type${req.contentType ? ` (got '${req.contentType.slice(0, 100)}')` : ""}.`);
  }
  if (req.contentLength !== undefined && req.contentLength > maxBytes + (multipart ? MULTIPART_OVERHEAD_BYTES : 0)) throw tooLarge(maxBytes);
  const release = library.claimUploadSlot();
  try {
    return multipart ? await fromMultipart(library, req) : await library.receive(req.name ?? "", req.body);
  } finally {
    release();
  }
}

function fromMultipart(library: MediaLibrary, req: UploadRequest): Promise<MediaFile> {
  return new Promise((resolve, reject) => {
    let parser: ReturnType<typeof import("@fastify/busboy").Busboy>;
    try {
      // Small bounds on everything but the file: a form of thousands of fields costs nothing.
      parser = busboy().Busboy({ headers: { "content-type": req.contentType }, limits: { files: 1, fields: 20, parts: 25, fieldSize: 4096, headerPairs: 50 } });
    } catch (err) {
      return reject(new MediaError(400, "bad_multipart", `The multipart/form-data body cannot be read: ${(err as Error).message}.`));
    }
    let received: Promise<MediaFile> | null = null;
    const fail = (err: unknown) => {
      // Stop reading: the answer goes out now and the connection is closed with it.
      req.body.unpipe(parser);
      req.body.pause();
      reject(err);
    };
    parser.on("file", (field, stream, filename) => {
      if (field !== "file" || received) return void stream.resume();
      received = library.receive(filename, stream);
      received.catch(fail);
    });
    parser.on("finish", () => {
      if (!received) reject(new MediaError(400, "missing_file", 'Send the video in a multipart/form-data field named "file".'));
      else received.then(resolve, reject);
    });
    parser.on("error", (err) => fail(new MediaError(400, "bad_multipart", `The multipart/form-data body cannot be read: ${(err as Error).message}.`)));
    req.body.on("error", (err) => {
      if (!received) fail(new MediaError(400, "upload_interrupted", `The upload was cut off: ${err.message}; send it again.`));
    });
    req.body.pipe(parser);
  });
}
