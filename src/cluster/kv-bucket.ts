import type { KV } from "@nats-io/kv";
import { natsJetStream, natsKv } from "./nats-modules.js";
import type { NatsLink } from "./nats.js";

export interface BucketSpec {
  name: string;
  /** Every entry disappears this long after it was last written (the bucket's stream max_age). */
  ttlMs: number;
  /** The largest value (bounds what a confused or hostile peer can store). */
  maxValueBytes?: number;
}

/**
 * A JetStream key-value bucket whose entries live for `ttlMs` after their last write: nats-server 2.9 has no
 * per-key TTL (that is 2.11), so a bucket per kind of entry stands in for it. File storage, so leases survive a
 * restart of nats-server (a memory bucket would come back empty and let a second node claim a live stream).
 *
 * The bucket is (re)created on every reconnect too: a nats-server that lost its store directory comes back
 * without it, and the next renewal would otherwise fail until someone restarted Prism.
 */
export async function openBucket(link: NatsLink, spec: BucketSpec): Promise<KV> {
  const kv = await ensureBucket(link, spec);
  const status = await kv.status();
  if (status.ttl !== spec.ttlMs) {
    throw new Error(
      `NATS bucket ${spec.name} keeps entries ${status.ttl} ms, but this node wants ${spec.ttlMs} ms: every node of a cluster must use the same lease setting (PRISM_CLUSTER_LEASE_MS); ` +
        `stop the nodes and delete the bucket (nats kv del ${spec.name}) to change it`,
    );
  }
  link.onChange((up) => {
    if (up) ensureBucket(link, spec).catch(() => undefined);
  });
  return kv;
}

function ensureBucket(link: NatsLink, spec: BucketSpec): Promise<KV> {
  return new (natsKv().Kvm)(link.nc).create(spec.name, {
    history: 1,
    ttl: spec.ttlMs,
    storage: natsJetStream().StorageType.File,
    maxValueSize: spec.maxValueBytes ?? 4096,
  });
}

/** True when a KV write was refused because the key's revision was not the one expected (someone else wrote it). */
export function isRevisionConflict(err: unknown): boolean {
  const { JetStreamApiError, JetStreamApiCodes } = natsJetStream();
  return err instanceof JetStreamApiError && (err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);
}
