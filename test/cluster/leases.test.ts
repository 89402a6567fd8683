import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Leases, LeaseLostError, type Lease } from "../../src/cluster/leases.js";
import { NatsLink } from "../../src/cluster/nats.js";
import { startNats, type TestNats } from "../support/nats.js";

/** Short enough to keep the file quick, long enough that a loaded 2-core machine still renews in time. */
const TTL_MS = 1_500;
const POLL_MS = 100;
/** Scheduling slack on a shared machine, on top of TTL + one poll (the bound under test). */
const SLACK_MS = 1_000;

interface Holder {
  node: string;
}

let nats: TestNats;
let linkA: NatsLink;
let linkB: NatsLink;
let nodeA: Leases<Holder>;
let nodeB: Leases<Holder>;
let keys = 0;
const freshKey = () => `stream-${++keys}`;

beforeAll(async () => {
  nats = await startNats();
  linkA = await NatsLink.connect({ url: nats.url, nodeId: "node-a" });
  linkB = await NatsLink.connect({ url: nats.url, nodeId: "node-b" });
  nodeA = await Leases.open<Holder>(linkA, { bucket: "test_leases", ttlMs: TTL_MS });
  nodeB = await Leases.open<Holder>(linkB, { bucket: "test_leases", ttlMs: TTL_MS });
});

afterAll(async () => {
  await linkA?.close();
  await linkB?.close();
  await nats?.dispose();
});

async function claimed(leases: Leases<Holder>, key: string, node: string): Promise<Lease<Holder>> {
  const result = await leases.claim(key, { node });
  if (!result.won) throw new Error(`${node} expected to win ${key}, held by ${JSON.stringify(result.holder)}`);
  return result.lease;
}

describe("stream ownership leases on a real nats-server", () => {
  it("claims a free key and refuses a held one, naming the holder", async () => {
    const key = freshKey();
    const lease = await claimed(nodeA, key, "a");
    const refused = await nodeB.claim(key, { node: "b" });
    expect(refused).toEqual({ won: false, holder: { value: { node: "a" }, revision: lease.revision } });
    expect(await nodeB.holder(key)).toEqual({ value: { node: "a" }, revision: lease.revision });
    await lease.release();
  });

  it("gives exactly one winner to concurrent claims", async () => {
    for (let round = 0; round < 20; round++) {
      const key = freshKey();
      const results = await Promise.all([nodeA.claim(key, { node: "a" }), nodeB.claim(key, { node: "b" }), nodeA.claim(key, { node: "a2" })]);
      const winners = results.filter((r) => r.won);
      expect(winners).toHaveLength(1);
      const holder = await nodeA.holder(key);
      expect(holder?.value).toEqual((winners[0] as { lease: Lease<Holder> }).lease.value);
      for (const loser of results.filter((r) => !r.won)) expect(loser).toMatchObject({ won: false, holder: { value: holder?.value } });
    }
  });

  it("lets another node claim a lease its holder stopped renewing, after the TTL and within TTL + a poll", async () => {
    const key = freshKey();
    await claimed(nodeA, key, "a"); // never renewed: node a "crashed"
    const since = Date.now();
    const lease = await nodeB.waitFor(key, { node: "b" }, { pollMs: POLL_MS });
    const waited = Date.now() - since;
    expect(await nodeA.holder(key)).toEqual({ value: { node: "b" }, revision: lease.revision });
    // Not before the holder's TTL ran out, and not much after.
    expect(waited).toBeGreaterThanOrEqual(TTL_MS - 100);
    expect(waited).toBeLessThan(TTL_MS + POLL_MS + SLACK_MS);
    await lease.release();
  });

  it("keeps a renewed lease past its TTL; a release frees it at once", async () => {
    const key = freshKey();
    const lease = await claimed(nodeA, key, "a");
    lease.keep({ onLost: () => expect.fail("a kept lease was lost") });
    await expect(nodeB.waitFor(key, { node: "b" }, { pollMs: POLL_MS, signal: AbortSignal.timeout(TTL_MS * 2.5) })).rejects.toThrow(/timeout|aborted/i);
    expect((await nodeB.holder(key))?.value).toEqual({ node: "a" });
    await lease.release();
    expect(await nodeB.holder(key)).toBeNull();
    const taken = await claimed(nodeB, key, "b");
    await taken.release();
  });

  it("fails a renewal after the lease was lost, naming the new holder, and tells a keeper once", async () => {
    const key = freshKey();
    const lease = await claimed(nodeA, key, "a");
    const lost = new Promise<LeaseLostError>((resolve) => lease.keep({ everyMs: TTL_MS * 3, onLost: resolve })); // renews too late
    const taken = await nodeB.waitFor(key, { node: "b" }, { pollMs: POLL_MS });
    taken.keep({ onLost: () => expect.fail("the new holder lost its lease") });
    const err = await lost;
    expect(err).toBeInstanceOf(LeaseLostError);
    expect(err.message).toBe(`Lost the lease on ${key}: it is held now by {"node":"b"} (revision ${taken.revision})`);
    expect(lease.lost).toBe(true);
    await expect(lease.renew()).rejects.toThrow(err.message);
    // A loser's release leaves the new holder alone.
    await lease.release();
    expect((await nodeA.holder(key))?.value).toEqual({ node: "b" });
    await taken.release();
  });

  it("claims a lapsed lease back on renewal when nobody else took it", async () => {
    const key = freshKey();
    const lease = await claimed(nodeA, key, "a");
    await nodeB.waitFor(`${key}-unrelated`, { node: "b" }).then((l) => l.release());
    // Wait for the lapse itself (nothing announces it on nats-server 2.9).
    while ((await nodeB.holder(key)) !== null) await new Promise((r) => setTimeout(r, POLL_MS));
    await lease.renew();
    expect(lease.lost).toBe(false);
    expect(await nodeB.holder(key)).toEqual({ value: { node: "a" }, revision: lease.revision });
    await lease.release();
  });

  it("refuses a node whose lease TTL differs from the bucket's", async () => {
    await expect(Leases.open(linkB, { bucket: "test_leases", ttlMs: TTL_MS * 2 })).rejects.toThrow(
      `NATS bucket test_leases keeps entries ${TTL_MS} ms, but this node wants ${TTL_MS * 2} ms: every node of a cluster must use the same lease setting (PRISM_CLUSTER_LEASE_MS)`,
    );
  });
});
