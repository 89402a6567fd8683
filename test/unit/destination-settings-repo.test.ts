import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/client.js";
import { DestinationSettingsRepo } from "../../src/db/destination-settings-repo.js";
import { DestinationsRepo } from "../../src/db/destinations-repo.js";
import { StreamsRepo } from "../../src/db/streams-repo.js";
import { SecretBox } from "../../src/secrets/secret-box.js";

describe("the generic destination settings store (any platform's, as JSON)", () => {
  const open: Array<() => void> = [];
  afterEach(() => open.splice(0).forEach((close) => close()));

  function setup() {
    const database = openDatabase(join(mkdtempSync(join(tmpdir(), "prism-settings-")), "prism.sqlite"));
    open.push(database.close);
    const box = new SecretBox("0123456789abcdef0123456789abcdef");
    const stream = new StreamsRepo(database.db, box).create("Settings");
    const destinations = new DestinationsRepo(database.db, box);
    const add = (platform: string) => destinations.create({ streamId: stream.id, platform, name: platform, url: "rtmp://127.0.0.1:1/app", streamKey: "k", enabled: false }).id;
    return { repo: new DestinationSettingsRepo(database.db), destinations, streamId: stream.id, add };
  }

  it("keeps each destination's object apart, merges patches (left out or undefined keeps, null clears) and reads back what it wrote", () => {
    const { repo, add } = setup();
    const [a, b] = [add("custom"), add("custom")];
    expect(repo.get(a)).toEqual({});
    expect(repo.update(a, { postId: "1", text: "hi", nested: { n: 1 } })).toEqual({ postId: "1", text: "hi", nested: { n: 1 } });
    expect(repo.update(a, { text: null, postId: undefined })).toEqual({ postId: "1", text: null, nested: { n: 1 } });
    repo.update(b, { other: true });
    expect(repo.get(a)).toEqual({ postId: "1", text: null, nested: { n: 1 } });
    expect(repo.get(b)).toEqual({ other: true });
  });

  it("forgets a destination's settings with the destination", () => {
    const { repo, destinations, streamId, add } = setup();
    const a = add("custom");
    repo.update(a, { kept: "until the destination goes" });
    expect(destinations.delete(streamId, a)).toBe(true);
    expect(repo.get(a)).toEqual({});
  });
});
