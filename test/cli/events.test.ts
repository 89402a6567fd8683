import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPrism, type TestPrism } from "../support/prism.js";
import { removeTempDirs } from "../support/tmp.js";
import { uploadedClip } from "../support/clip.js";
import { runCli } from "./run-cli.js";

describe("prism event create|list|cancel", () => {
  let t: TestPrism;
  let url: string;
  beforeAll(async () => {
    t = await startTestPrism();
    url = `http://127.0.0.1:${t.prism.httpPort}`;
    await t.api("POST", "/api/v1/streams", { name: "Shows" });
  });
  afterAll(async () => {
    await t.stop();
    await removeTempDirs();
  });
  const cli = (...args: string[]) => runCli(["--url", url, "--token", t.token, ...args]);

  it("schedules, lists (table and --json) and cancels; bad input comes back as Prism's own message", async () => {
    const trailer = await uploadedClip(t, { durationSec: 1, name: "trailer" });
    const startsAt = new Date(Date.now() + 86_400_000).toISOString();
    const created = await cli("event", "create", "Shows", "--title", "Friday speedrun", "--starts", startsAt, "--media", trailer.id, "--loop");
    expect(created.code, created.stderr).toBe(0);
    const id = /\((sev_[0-9a-f]{32})\)/.exec(created.stdout)?.[1];
    expect(id, created.stdout).toBeDefined();
    expect(created.stdout).toContain(`Scheduled "Friday speedrun" (${id}) on "Shows" for ${startsAt}.`);

    const table = await cli("event", "list", "Shows");
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/ID\s+STARTS\s+STATUS\s+SOURCE\s+TITLE\s+PLATFORMS/);
    expect(table.stdout).toMatch(new RegExp(`${id}\\s+${startsAt.replace(/[.]/g, "\\.")}\\s+scheduled\\s+media\\s+Friday speedrun`));
    const listed = JSON.parse((await cli("--json", "event", "list", "Shows")).stdout);
    expect(listed).toEqual([expect.objectContaining({ id, status: "scheduled", source: { type: "media", mediaId: trailer.id, loop: true } })]);

    const unknownMedia = await cli("event", "create", "Shows", "--title", "Nothing", "--starts", startsAt, "--media", "med_neveruploaded");
    expect(unknownMedia.code).not.toBe(0);
    expect(unknownMedia.stderr).toMatch(/No uploaded video med_neveruploaded: upload one with POST/);

    const past = await cli("event", "create", "Shows", "--title", "Too late", "--starts", "2020-01-01T00:00:00Z");
    expect(past.code).not.toBe(0);
    expect(past.stderr).toMatch(/startsAt \(2020-01-01T00:00:00.000Z\) has passed: give a time ahead/);

    const cancelled = JSON.parse((await cli("--json", "event", "cancel", id!)).stdout);
    expect(cancelled).toMatchObject({ id, status: "cancelled" });
    const again = await cli("event", "cancel", id!);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/The event is cancelled; only an event still scheduled can be cancelled/);
    // Eight CLI processes, each starting node with tsx.
  }, 240_000);
});
