import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A valid black 1-bit greyscale PNG of any size: its pixels compress to almost nothing, so a
 * 16000×16000 one is some 30 KB, while decoding it costs a quarter of a billion pixels.
 */
function blackPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([1, 0, 0, 0, 0], 8); // bit depth 1, greyscale, deflate, no filter, no interlace
  const row = 1 + Math.ceil(width / 8);
  const raw = Buffer.alloc(row * height); // filter byte 0 + zero bits on every row
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw, { level: 9 })), chunk("IEND", Buffer.alloc(0))]);
}

/** A JPEG header (SOI, JFIF, SOF0) declaring a size; nothing past it is ever decoded when the size is refused. */
function jpegHeader(width: number, height: number): Buffer {
  const jfif = Buffer.from([0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), jfif, sof, Buffer.alloc(64), Buffer.from([0xff, 0xd9])]);
}

const dataUrl = (mime: string, bytes: Buffer) => `data:${mime};base64,${bytes.toString("base64")}`;

describe("slate image limits", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p));

  const patchImage = async (image: string) => {
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Slate limits" });
    return { stream, res: await t.api("PATCH", `/api/v1/streams/${stream.id}`, { slate: { image } }) };
  };

  it("refuses a small PNG declaring 16000×16000 pixels from its header, with the limit in the message", async () => {
    const png = blackPng(16000, 16000);
    expect(png.length).toBeLessThan(64 * 1024);
    const { stream, res } = await patchImage(dataUrl("image/png", png));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "invalid_slate_image" });
    expect(res.body.error.message).toMatch(/16000×16000 pixels; the most Prism accepts is 8,294,400 pixels \(3840×2160\)/);
    expect((await t.api("GET", `/api/v1/streams/${stream.id}`)).body.slate.customImage).toBe(false);
  });

  it("refuses a JPEG declaring too many pixels, and a too-long side", async () => {
    expect((await patchImage(dataUrl("image/jpeg", jpegHeader(5000, 5000)))).res.body.error.message).toMatch(/5000×5000 pixels/);
    expect((await patchImage(dataUrl("image/png", blackPng(10000, 100)))).res.body.error.message).toMatch(/10000×100 pixels.*7680 pixels a side/);
  });

  it("refuses an image over ~180 KB (the data URL's cap) before decoding it", async () => {
    const padded = Buffer.concat([blackPng(64, 64), Buffer.alloc(200 * 1024)]);
    const { res } = await patchImage(dataUrl("image/png", padded));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/slate\.image: must be at most ~180 KB/);
  });

  it("accepts an image right at the limit (3840×2160) and one of the stream's size", async () => {
    for (const [w, h] of [[3840, 2160], [1280, 720]] as const) {
      const { stream, res } = await patchImage(dataUrl("image/png", blackPng(w, h)));
      expect(res.status, `${w}×${h}: ${JSON.stringify(res.body)}`).toBe(200);
      expect((await t.api("GET", `/api/v1/streams/${stream.id}`)).body.slate.customImage).toBe(true);
    }
  });
});
