import { open, type FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";
import { ApiError } from "./errors.js";

/**
 * One byte range of a `size`-byte file from a Range header: null to send it whole (no header, or
 * one this server may ignore: several ranges, another unit, bad syntax), "unsatisfiable" past its end.
 */
export function byteRange(header: string | undefined, size: number): [number, number] | null | "unsatisfiable" {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === "" && m[2] === "")) return null;
  let start: number;
  let end: number;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) return "unsatisfiable";
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    if (start >= size) return "unsatisfiable";
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (end < start) return null;
  }
  return [start, end];
}

/** attachment; a readable ASCII name, and the exact one (RFC 6266/5987) for browsers that take it. */
export function attachment(name: string): string {
  const ascii = name.replace(/[^A-Za-z0-9 ._()-]+/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * A file as the answer, with Range support (a <video> seeks with it). The file is opened first:
 * once open, deleting it (a recording deleted mid-download) does not cut the answer short, and a
 * file deleted before is a 404, not an error.
 */
export async function fileResponse(path: string, { range, downloadName, type }: { range: string | undefined; downloadName: string; type: string }): Promise<Response> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new ApiError(404, "not_found", "The file was deleted.");
    throw err;
  }
  const { size } = await handle.stat();
  const wanted = byteRange(range, size);
  if (wanted === "unsatisfiable") {
    await handle.close();
    throw new ApiError(416, "range_not_satisfiable", `The file has ${size} bytes; ask for a range within bytes=0-${size - 1}.`, { size });
  }
  const [start, end] = wanted ?? [0, size - 1];
  const headers = new Headers({
    "content-type": type,
    "content-length": String(Math.max(0, end - start + 1)),
    "accept-ranges": "bytes",
    "content-disposition": attachment(downloadName),
    "cache-control": "private, no-cache",
  });
  if (wanted) headers.set("content-range", `bytes ${start}-${end}/${size}`);
  if (size === 0) {
    await handle.close();
    return new Response(null, { status: 200, headers });
  }
  const stream = handle.createReadStream({ start, end, autoClose: true });
  return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, { status: wanted ? 206 : 200, headers });
}
