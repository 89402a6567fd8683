import { expect, it, vi } from "vitest";
import { describeDialects, fakeDate, T0 } from "../support/dialects.js";

const file = (id: string, audio = true) => ({
  id,
  name: `Clip ${id}`,
  fileName: `${id}.mp4`,
  sizeBytes: 5_000_000_000, // past 2^32: a bigint column, not int4
  durationSec: 12.345,
  container: "mov,mp4,m4a,3gp,3g2,mj2",
  video: { codec: "h264", width: 1920, height: 1080, fps: 29.97 },
  audio: audio ? { codec: "aac", sampleRate: 48_000, channels: 2 } : null,
});

describeDialects("media store", (open) => {
  fakeDate();

  it("adds a file's record and reads it back whole (video and audio details, fractional duration, large size)", async () => {
    const { store } = await open();
    const added = await store.media.add(file("m1"));
    expect(added).toEqual({ ...file("m1"), createdAt: new Date(T0) });
    expect(await store.media.get("m1")).toEqual(added);
    const silent = await store.media.add(file("m2", false));
    expect((await store.media.get("m2"))!.audio).toBeNull();
    expect(silent.audio).toBeNull();
    expect(await store.media.get("nope")).toBeUndefined();
  });

  it("lists newest first and deletes once", async () => {
    const { store } = await open();
    for (const [i, id] of ["a", "b", "c"].entries()) {
      vi.setSystemTime(T0 + i * 1000);
      await store.media.add(file(id));
    }
    expect((await store.media.list()).map((m) => m.id)).toEqual(["c", "b", "a"]);
    expect(await store.media.delete("b")).toBe(true);
    expect(await store.media.delete("b")).toBe(false);
    expect((await store.media.list()).map((m) => m.id)).toEqual(["c", "a"]);
  });

  it("refuses a second record with the same id", async () => {
    const { store } = await open();
    await store.media.add(file("dup"));
    await expect(store.media.add(file("dup"))).rejects.toThrow();
    expect(await store.media.list()).toHaveLength(1);
  });
});
