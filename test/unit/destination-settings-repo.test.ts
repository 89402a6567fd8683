import { afterAll, afterEach, describe, expect, it } from "vitest";
import { openTestStore } from "../support/db.js";
import { removeTempDirs } from "../support/tmp.js";

describe("the generic destination settings store (any platform's, as JSON)", () => {
  const open: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of open.splice(0)) await close();
  });
  afterAll(removeTempDirs);

  async function setup() {
    const database = await openTestStore();
    open.push(database.close);
    const { streams, destinations, destinationSettings: repo } = database.store;
    const stream = await streams.create("Settings");
    const add = async (platform: string) => (await destinations.create({ streamId: stream.id, platform, name: platform, url: "rtmp://127.0.0.1:1/app", streamKey: "k", enabled: false })).id;
    return { repo, destinations, streamId: stream.id, add };
  }

  it("keeps each destination's object apart, merges patches (left out or undefined keeps, null clears) and reads back what it wrote", async () => {
    const { repo, add } = await setup();
    const [a, b] = [await add("custom"), await add("custom")];
    expect(await repo.get(a)).toEqual({});
    expect(await repo.update(a, { postId: "1", text: "hi", nested: { n: 1 } })).toEqual({ postId: "1", text: "hi", nested: { n: 1 } });
    expect(await repo.update(a, { text: null, postId: undefined })).toEqual({ postId: "1", text: null, nested: { n: 1 } });
    await repo.update(b, { other: true });
    expect(await repo.get(a)).toEqual({ postId: "1", text: null, nested: { n: 1 } });
    expect(await repo.get(b)).toEqual({ other: true });
  });

  it("forgets a destination's settings with the destination", async () => {
    const { repo, destinations, streamId, add } = await setup();
    const a = await add("custom");
    await repo.update(a, { kept: "until the destination goes" });
    expect(await destinations.delete(streamId, a)).toBe(true);
    expect(await repo.get(a)).toEqual({});
  });
});
