import { writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import pino from "pino";
import { EventBus, type PrismEvents } from "../../src/bus.js";
import { RecordingArchive } from "../../src/recordings/archive.js";
import { RecordingFiles } from "../../src/recordings/files.js";
import { openTestStore } from "../support/db.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";

describe("repairing what a crash left unfinished", () => {
  afterAll(removeTempDirs);

  it("marks a recording failed, with the reason, when nothing of it reached the disk or its file is gone", async () => {
    const dir = await makeTempDir("prism-repair-");
    const database = await openTestStore();
    const repo = database.store.recordings;
    const files = new RecordingFiles(dir);
    const bus = new EventBus();
    const failed: Array<PrismEvents["recording.failed"]> = [];
    bus.on("recording.failed", (e) => failed.push(e));
    const archive = new RecordingArchive(repo, files, bus, pino({ level: "silent" }));
    const row = async (sessionId: string) => {
      const id = await repo.newRecordingId();
      return repo.create({ id, streamId: "s1", sessionId, streamName: "Crashed", rawFile: files.raw(id), startedAt: Date.now() - 60_000, includeSlate: true });
    };
    const empty = await row("session-empty");
    // An FLV header and PreviousTagSize0: Prism died before the first tag was written.
    writeFileSync(files.path(empty.rawFile), Buffer.from([0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 9, 0, 0, 0, 0]));
    const missing = await row("session-missing");
    await archive.repairUnfinished();
    try {
      expect(await repo.get(empty.id)).toMatchObject({ state: "failed", note: "Prism stopped before anything of this session reached the disk." });
      expect(await repo.get(missing.id)).toMatchObject({ state: "failed", note: "Prism stopped before anything of this session reached the disk." });
      expect(await repo.unfinished()).toEqual([]);
      expect(failed.map((e) => e.recordingId).sort()).toEqual([empty.id, missing.id].sort());
    } finally {
      await database.close();
    }
  });
});
