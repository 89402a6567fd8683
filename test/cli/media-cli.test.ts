import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { makeTempDir } from "../support/tmp.js";
import { makeClip } from "../support/clip.js";
import { runCli } from "./run-cli.js";

describe("prism media upload|list|delete", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p), { PRISM_MEDIA_MAX_MB: "1" });
  const cli = (...args: string[]) => runCli(["--url", `http://127.0.0.1:${t.prism.httpPort}`, "--token", t.token, ...args]);

  it("uploads a video (streamed), lists it and deletes it by name", async () => {
    const dir = await makeTempDir("prism-media-cli-");
    const clip = await makeClip({ dir, durationSec: 2, name: "trailer" });
    const up = await cli("media", "upload", clip, "--name", "Trailer 2");
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/^Uploaded "Trailer 2" as med_\S+: 0:02, h264 320x240, aac 2 ch, \d+\.\d MB\.$/m);
    const { body } = await t.api("GET", "/api/v1/media");
    expect(body.map((m: { name: string }) => m.name)).toContain("Trailer 2");

    const list = await cli("media", "list");
    expect(list.stdout).toMatch(/ID\s+NAME\s+LENGTH\s+VIDEO\s+SIZE\s+PLAYING/);
    expect(list.stdout).toContain("Trailer 2");
    const json = JSON.parse((await cli("--json", "media", "upload", clip)).stdout);
    expect(json).toMatchObject({ name: "trailer.mp4", video: { codec: "h264" } });

    const deleted = await cli("media", "delete", "Trailer 2");
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain('Deleted "Trailer 2".');
    expect((await t.api("GET", "/api/v1/media")).body.map((m: { id: string }) => m.id)).toEqual([json.id]);
  });

  it("says why a file is refused, and exits non-zero", async () => {
    const dir = await makeTempDir("prism-media-cli-");
    const notVideo = join(dir, "notes.mp4");
    await writeFile(notVideo, "shopping list\n".repeat(50));
    const refused = await cli("media", "upload", notVideo);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/POST \/media\?name=notes\.mp4 failed \(422\): ffprobe cannot read this file/);
    // Over PRISM_MEDIA_MAX_MB: Prism answers on the declared length, before the file is sent.
    const big = join(dir, "big.mp4");
    await writeFile(big, Buffer.alloc(3 * 1024 * 1024));
    const tooBig = await cli("media", "upload", big);
    expect(tooBig.code).toBe(1);
    expect(tooBig.stderr).toMatch(/failed \(413\): The file is larger than the 1 MB limit \(PRISM_MEDIA_MAX_MB\)/);
    const missing = await cli("media", "upload", join(dir, "nope.mp4"));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Cannot read .*nope\.mp4/);
  });
});
