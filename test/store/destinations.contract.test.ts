import { expect, it, vi } from "vitest";
import { describeDialects, fakeDate, T0, type DialectHarness } from "../support/dialects.js";

async function withStream({ store }: DialectHarness) {
  const stream = await store.streams.create("Show");
  const add = (name: string, extra: { accountId?: string | null; enabled?: boolean } = {}) =>
    store.destinations.create({ streamId: stream.id, platform: "custom", name, url: "rtmp://127.0.0.1:1/app", streamKey: `key-of-${name}`, enabled: extra.enabled ?? true, accountId: extra.accountId ?? null });
  return { stream, add };
}

describeDialects("destinations store", (open) => {
  fakeDate();

  it("creates a destination with its key, automatic transcoding and no account, and reads it back", async () => {
    const h = await open();
    const { stream, add } = await withStream(h);
    const d = await add("one");
    expect({ ...d }).toEqual({
      id: d.id,
      streamId: stream.id,
      platform: "custom",
      name: "one",
      url: "rtmp://127.0.0.1:1/app",
      streamKey: "key-of-one",
      enabled: true,
      transcode: "auto",
      accountId: null,
      createdAt: new Date(T0),
      updatedAt: new Date(T0),
    });
    expect({ ...(await h.store.destinations.get(stream.id, d.id)) }).toEqual({ ...d });
    expect(await h.store.destinations.get("other-stream", d.id)).toBeUndefined();
  });

  it("keeps the stream key encrypted at rest", async () => {
    const h = await open();
    const { add } = await withStream(h);
    const d = await add("hidden");
    const [row] = await h.query(`SELECT * FROM destinations WHERE id = '${d.id}'`);
    expect(JSON.stringify(row)).not.toContain("key-of-hidden");
  });

  it("lists a stream's destinations oldest first, and their summaries", async () => {
    const h = await open();
    const { stream, add } = await withStream(h);
    const other = await withStream(h);
    vi.setSystemTime(T0 + 2000);
    const second = await add("second", { enabled: false });
    vi.setSystemTime(T0 + 1000);
    const first = await add("first", { accountId: "acct-1" });
    await other.add("elsewhere");
    expect((await h.store.destinations.list(stream.id)).map((d) => d.name)).toEqual(["first", "second"]);
    expect(await h.store.destinations.summaries(stream.id)).toEqual([
      { id: first.id, name: "first", enabled: true, platform: "custom", accountId: "acct-1" },
      { id: second.id, name: "second", enabled: false, platform: "custom", accountId: null },
    ]);
    expect(await h.store.destinations.list("no-such-stream")).toEqual([]);
  });

  it("lists destinations added in the same millisecond in the order they were added", async () => {
    const h = await open();
    const { stream, add } = await withStream(h);
    const names = Array.from({ length: 12 }, (_, i) => `d${i}`);
    for (const name of names) await add(name); // Date is frozen: one millisecond for all twelve
    expect((await h.store.destinations.list(stream.id)).map((d) => d.name)).toEqual(names);
    expect((await h.store.destinations.summaries(stream.id)).map((d) => d.name)).toEqual(names);
  });

  it("patches name, key, enabled and transcoding; a profile survives the round trip; unknown answers undefined", async () => {
    const h = await open();
    const { stream, add } = await withStream(h);
    const d = await add("patch");
    vi.setSystemTime(T0 + 3000);
    const profile = { videoKbps: 2500, width: 1280, height: 720, fps: 30 };
    const patched = await h.store.destinations.update(stream.id, d.id, { name: "patched", streamKey: "new-key", enabled: false, transcode: profile });
    expect(patched).toMatchObject({ name: "patched", streamKey: "new-key", enabled: false, transcode: profile, url: d.url });
    expect(patched!.updatedAt).toEqual(new Date(T0 + 3000));
    expect((await h.store.destinations.update(stream.id, d.id, { transcode: "copy" }))!.transcode).toBe("copy");
    expect((await h.store.destinations.update(stream.id, d.id, { transcode: "auto" }))!.transcode).toBe("auto");
    expect(await h.store.destinations.update("other-stream", d.id, { name: "x" })).toBeUndefined();
    expect((await h.store.destinations.get(stream.id, d.id))!.name).toBe("patched");
  });

  it("finds every destination that takes its ingest from an account, across streams", async () => {
    const h = await open();
    const a = await withStream(h);
    const b = await withStream(h);
    const one = await a.add("a1", { accountId: "acct" });
    vi.setSystemTime(T0 + 1000);
    const two = await b.add("b1", { accountId: "acct" });
    await b.add("b2", { accountId: "other" });
    expect((await h.store.destinations.listByAccount("acct")).map((d) => d.id)).toEqual([one.id, two.id]);
    expect(await h.store.destinations.listByAccount("none")).toEqual([]);
  });

  it("deletes a destination once, only under its own stream, and all of them with their stream", async () => {
    const h = await open();
    const { stream, add } = await withStream(h);
    const d = await add("gone");
    const kept = await add("kept");
    expect(await h.store.destinations.delete("other-stream", d.id)).toBe(false);
    expect(await h.store.destinations.delete(stream.id, d.id)).toBe(true);
    expect(await h.store.destinations.delete(stream.id, d.id)).toBe(false);
    expect((await h.store.destinations.list(stream.id)).map((x) => x.id)).toEqual([kept.id]);
    await h.store.streams.delete(stream.id);
    expect(await h.store.destinations.get(stream.id, kept.id)).toBeUndefined();
  });
});

describeDialects("destination settings store", (open) => {
  it("keeps each destination's object apart, merges patches (left out or undefined keeps, null is stored) and reads back what it wrote", async () => {
    const h = await open();
    const { add } = await withStream(h);
    const [a, b] = [(await add("a")).id, (await add("b")).id];
    expect(await h.store.destinationSettings.get(a)).toEqual({});
    expect(await h.store.destinationSettings.update(a, { postId: "1", text: "hi", nested: { n: 1 } })).toEqual({ postId: "1", text: "hi", nested: { n: 1 } });
    expect(await h.store.destinationSettings.update(a, { text: null, postId: undefined })).toEqual({ postId: "1", text: null, nested: { n: 1 } });
    await h.store.destinationSettings.update(b, { other: true });
    expect(await h.store.destinationSettings.get(a)).toEqual({ postId: "1", text: null, nested: { n: 1 } });
    expect(await h.store.destinationSettings.get(b)).toEqual({ other: true });
  });

  it("keeps both of two patches of different fields made at once", async () => {
    const h = await open();
    const { add } = await withStream(h);
    const a = (await add("a")).id;
    await Promise.all(Array.from({ length: 8 }, (_, i) => h.store.destinationSettings.update(a, { [`field${i}`]: i })));
    expect(await h.store.destinationSettings.get(a)).toEqual(Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`field${i}`, i])));
  });

  it("forgets a destination's settings with the destination", async () => {
    const h = await open();
    const { stream, add } = await withStream(h);
    const a = (await add("a")).id;
    await h.store.destinationSettings.update(a, { kept: "until the destination goes" });
    expect(await h.store.destinationSettings.get(a)).toEqual({ kept: "until the destination goes" });
    expect(await h.store.destinations.delete(stream.id, a)).toBe(true);
    expect(await h.store.destinationSettings.get(a)).toEqual({});
  });
});
