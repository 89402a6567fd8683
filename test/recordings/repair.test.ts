import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import pino from "pino";
import { EventBus, type PrismEvents } from "../../src/bus.js";
import { openDatabase } from "../../src/db/client.js";
import { RecordingsRepo } from "../../src/db/recordings-repo.js";
import { RecordingArchive } from "../../src/recordings/archive.js";
import { wrapSync } from "../../src/db/store.js";
import { RecordingFiles } from "../../src/recordings/files.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";

describe("repairing what a crash left unfinished", () => {
  afterAll(removeTempDirs);

  it("marks a recording failed, with the reason, when nothing of it reached the disk or its file is gone", async () => {
    const dir = await makeTempDir("prism-repair-");
    const database = openDatabase(join(dir, "prism.sqlite"));
    const repo = new RecordingsRepo(database.db);
    const files = new RecordingFiles(dir);
    const bus = new EventBus();
    const failed: Array<PrismEvents["recording.failed"]> = [];
    bus.on("recording.failed", (e) => failed.push(e));
    const archive = new RecordingArchive(wrapSync(repo), files, bus, pino({ level: "silent" }));
    const row = (sessionId: string) => {
      const id = repo.newRecordingId();
      return repo.create({ id, streamId: "s1", sessionId, streamName: "Crashed", rawFile: files.raw(id), startedAt: Date.now() - 60_000, includeSlate: true });
    };
    const empty = row("session-empty");
    // An FLV header and PreviousTagSize0: Prism died before the first tag was written.
    writeFileSync(files.path(empty.rawFile), Buffer.from([0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 9, 0, 0, 0, 0]));
    const missing = row("session-missing");
    await archive.repairUnfinished();
    try {
      expect(repo.get(empty.id)).toMatchObject({ state: "failed", note: "Prism stopped before anything of this session reached the disk." });
      expect(repo.get(missing.id)).toMatchObject({ state: "failed", note: "Prism stopped before anything of this session reached the disk." });
      expect(repo.unfinished()).toEqual([]);
      expect(failed.map((e) => e.recordingId).sort()).toEqual([empty.id, missing.id].sort());
    } finally {
      database.close();
    }
  });
});
