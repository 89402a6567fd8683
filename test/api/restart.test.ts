import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startTestPrism, type TestPrism } from "../support/prism.js";

describe("configuration across restarts", () => {
  let t: TestPrism | undefined;
  afterEach(async () => {
    await t?.stop();
  });

  it("keeps streams and destinations created through the API, and keeps their keys out of the SQLite file", async () => {
    t = await startTestPrism();
    const { dataDir } = t;
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Persistent" });
    const destKey = "persisted-destination-key-987";
    const { body: dest } = await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, {
      name: "YouTube",
      url: "rtmps://a.rtmps.youtube.com/live2",
      streamKey: destKey,
      enabled: false,
    });
    const before = {
      stream: (await t.api("GET", `/api/v1/streams/${stream.id}`)).body,
      destinations: (await t.api("GET", `/api/v1/streams/${stream.id}/destinations`)).body,
    };
    await t.stop();

    for (const file of readdirSync(dataDir).filter((f) => f.startsWith("prism.sqlite"))) {
      const raw = readFileSync(join(dataDir, file));
      expect(raw.includes(stream.streamKey), `${file} holds the ingest key`).toBe(false);
      expect(raw.includes(destKey), `${file} holds the destination key`).toBe(false);
    }

    t = await startTestPrism({ dataDir });
    const after = {
      stream: (await t.api("GET", `/api/v1/streams/${stream.id}`)).body,
      destinations: (await t.api("GET", `/api/v1/streams/${stream.id}/destinations`)).body,
    };
    expect({ ...after.stream, ingestUrl: undefined }).toEqual({ ...before.stream, ingestUrl: undefined });
    expect(after.destinations).toEqual(before.destinations);
    expect(after.destinations[0]).toMatchObject({ id: dest.id, enabled: false, url: "rtmps://a.rtmps.youtube.com/live2" });
    // The encrypted keys still open with the key generated into the data dir on first start.
    expect((await t.api("POST", `/api/v1/streams/${stream.id}/reveal-key`)).body.streamKey).toBe(stream.streamKey);
  });
});
