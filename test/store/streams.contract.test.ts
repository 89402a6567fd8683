import { expect, it, vi } from "vitest";
import { describeDialects, fakeDate, T0 } from "../support/dialects.js";

describeDialects("streams store", (open) => {
  fakeDate();

  it("creates a stream with two distinct ingest keys, the slate on for five minutes, and reads it back", async () => {
    const { store, dialect } = await open();
    expect(store.dialect).toBe(dialect);
    const created = await store.streams.create("Main show");
    expect(created).toMatchObject({ name: "Main show", slate: { enabled: true, maxSeconds: 300, image: null }, title: null, description: null });
    expect(created.streamKey).toMatch(/^live_/);
    expect(created.backupStreamKey).toMatch(/^live_/);
    expect(created.backupStreamKey).not.toBe(created.streamKey);
    expect(created.createdAt).toEqual(new Date(T0));
    const read = await store.streams.get(created.id);
    expect({ ...read }).toEqual({ ...created });
    expect(await store.streams.get("no-such-stream")).toBeUndefined();
  });

  it("lists streams oldest first and counts them", async () => {
    const { store } = await open();
    expect(await store.streams.list()).toEqual([]);
    expect(await store.streams.count()).toBe(0);
    for (const [i, name] of ["b", "c", "a"].entries()) {
      vi.setSystemTime(T0 + i * 1000);
      await store.streams.create(name);
    }
    expect((await store.streams.list()).map((s) => s.name)).toEqual(["b", "c", "a"]);
    expect(await store.streams.count()).toBe(3);
  });

  it("lists streams made in the same millisecond in the order they were made", async () => {
    const { store } = await open();
    const names = Array.from({ length: 12 }, (_, i) => `s${i}`);
    for (const name of names) await store.streams.create(name); // Date is frozen: one millisecond for all twelve
    expect((await store.streams.list()).map((s) => s.name)).toEqual(names);
  });

  it("finds a stream by either key and says which, and nothing by a wrong key", async () => {
    const { store } = await open();
    const s = await store.streams.create("Keys");
    await store.streams.create("Other");
    expect(await store.streams.findByKey(s.streamKey)).toEqual({ id: s.id, name: "Keys", slate: s.slate, input: "primary" });
    expect(await store.streams.findByKey(s.backupStreamKey!)).toEqual({ id: s.id, name: "Keys", slate: s.slate, input: "backup" });
    expect(await store.streams.findByKey("live_nope")).toBeUndefined();
  });

  it("keeps the keys encrypted at rest: neither appears in the row", async () => {
    const { store, query } = await open();
    const s = await store.streams.create("Secret");
    const [row] = await query(`SELECT * FROM streams WHERE id = '${s.id}'`);
    const text = JSON.stringify(row);
    expect(text).not.toContain(s.streamKey);
    expect(text).not.toContain(s.backupStreamKey!);
  });

  it("patches only what it is given, moves updatedAt, and answers undefined for an unknown stream", async () => {
    const { store } = await open();
    const s = await store.streams.create("Before");
    vi.setSystemTime(T0 + 5000);
    const patched = await store.streams.update(s.id, { name: "After", slate: { maxSeconds: 60 }, title: "Title" });
    expect(patched).toMatchObject({ name: "After", slate: { enabled: true, maxSeconds: 60, image: null }, title: "Title", description: null });
    expect(patched!.updatedAt).toEqual(new Date(T0 + 5000));
    expect(patched!.createdAt).toEqual(new Date(T0));
    expect(patched!.streamKey).toBe(s.streamKey);
    const cleared = await store.streams.update(s.id, { title: null, slate: { enabled: false, image: "slate.png" } });
    expect(cleared).toMatchObject({ name: "After", title: null, slate: { enabled: false, maxSeconds: 60, image: "slate.png" } });
    expect(await store.streams.update("no-such-stream", { name: "x" })).toBeUndefined();
  });

  it("rotates one key at a time: the old one finds nothing, the other key still works", async () => {
    const { store } = await open();
    const s = await store.streams.create("Rotate");
    const rotated = await store.streams.rotateKey(s.id);
    expect(rotated!.streamKey).not.toBe(s.streamKey);
    expect(rotated!.backupStreamKey).toBe(s.backupStreamKey);
    expect(await store.streams.findByKey(s.streamKey)).toBeUndefined();
    expect((await store.streams.findByKey(rotated!.streamKey))?.input).toBe("primary");
    const backup = await store.streams.rotateKey(s.id, "backup");
    expect(backup!.backupStreamKey).not.toBe(s.backupStreamKey);
    expect(backup!.streamKey).toBe(rotated!.streamKey);
    expect(await store.streams.findByKey(s.backupStreamKey!)).toBeUndefined();
    expect(await store.streams.rotateKey("no-such-stream")).toBeUndefined();
  });

  it("gives streams from before backup keys existed one each, once", async () => {
    const { store, query } = await open();
    const old = await store.streams.create("Old");
    const current = await store.streams.create("Current");
    await query(`UPDATE streams SET backup_stream_key_hash = NULL, backup_stream_key_enc = NULL WHERE id = '${old.id}'`);
    expect((await store.streams.get(old.id))!.backupStreamKey).toBeNull();
    expect(await store.streams.fillMissingBackupKeys()).toBe(1);
    const filled = await store.streams.get(old.id);
    expect(filled!.backupStreamKey).toMatch(/^live_/);
    expect((await store.streams.findByKey(filled!.backupStreamKey!))?.input).toBe("backup");
    expect((await store.streams.get(current.id))!.backupStreamKey).toBe(current.backupStreamKey);
    expect(await store.streams.fillMissingBackupKeys()).toBe(0);
  });

  it("deletes a stream once", async () => {
    const { store } = await open();
    const s = await store.streams.create("Gone");
    expect(await store.streams.delete(s.id)).toBe(true);
    expect(await store.streams.delete(s.id)).toBe(false);
    expect(await store.streams.get(s.id)).toBeUndefined();
    expect(await store.streams.findByKey(s.streamKey)).toBeUndefined();
  });
});
