import { setTimeout as delay } from "node:timers/promises";
import type { KV, KvEntry } from "@nats-io/kv";
import { isRevisionConflict, openBucket } from "./kv-bucket.js";
import { natsJetStream } from "./nats-modules.js";
import type { NatsLink } from "./nats.js";

/** Who holds a lease: the value its holder wrote and the revision a renewal must name. */
export interface LeaseHolder<T> {
  value: T;
  revision: number;
}

export type ClaimResult<T> = { won: true; lease: Lease<T> } | { won: false; holder: LeaseHolder<T> | null };

/** A renewal found the lease in someone else's hands: whatever it guarded must stop here. */
export class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";
  constructor(
    readonly key: string,
    readonly holder: LeaseHolder<unknown> | null,
  ) {
    super(`Lost the lease on ${key}: ${holder ? `it is held now by ${JSON.stringify(holder.value).slice(0, 200)} (revision ${holder.revision})` : "another claim took it"}`);
  }
}

export interface LeasesOptions {
  bucket: string;
  /** A lease not renewed for this long lapses and may be claimed by another node. */
  ttlMs: number;
}

/**
 * Exclusive, expiring claims on keys (a live stream, a cluster-wide chore), in a JetStream KV bucket whose max
 * age is the lease TTL. `create` claims (refused while held), `update(key, value, revision)` renews (a compare-
 * and-set: it fails once anyone else has written the key), a delete that names the revision releases. A lapse
 * is silent on nats-server 2.9 (no delete markers), so `waitFor` polls.
 */
export class Leases<T> {
  private constructor(
    readonly link: NatsLink,
    private readonly kv: KV,
    readonly ttlMs: number,
    private readonly bucket: string,
  ) {}

  static async open<T>(link: NatsLink, options: LeasesOptions): Promise<Leases<T>> {
    link.requireUp(`open the ${options.bucket} leases`);
    return new Leases<T>(link, await openBucket(link, { name: options.bucket, ttlMs: options.ttlMs }), options.ttlMs, options.bucket);
  }

  /** Takes `key` if nobody holds it; otherwise says who does (null when it lapsed in between). */
  async claim(key: string, value: T): Promise<ClaimResult<T>> {
    this.link.requireUp(`claim ${key}`);
    try {
      const revision = await this.kv.create(key, JSON.stringify(value));
      return { won: true, lease: new Lease(this, key, value, revision) };
    } catch (err) {
      if (!isRevisionConflict(err)) throw err;
      return { won: false, holder: await this.holder(key) };
    }
  }

  /** The current holder of `key`, or null when the lease is free (never taken, released or lapsed). */
  async holder(key: string): Promise<LeaseHolder<T> | null> {
    return held<T>(await this.kv.get(key));
  }

  /**
   * Claims `key` as soon as it is free: polls every `pollMs` (default 250) until the holder releases it or stops
   * renewing for the TTL, then claims it (a lost race just goes on waiting). Rejects once `signal` aborts.
   */
  async waitFor(key: string, value: T, options: { pollMs?: number; signal?: AbortSignal } = {}): Promise<Lease<T>> {
    const pollMs = options.pollMs ?? 250;
    for (;;) {
      options.signal?.throwIfAborted();
      if (this.link.isUp()) {
        const result = await this.claim(key, value).catch(() => undefined);
        if (result?.won) return result.lease;
      }
      await delay(pollMs, undefined, options.signal ? { signal: options.signal } : {});
    }
  }

  /**
   * Takes `key` over from a holder known to be gone (it answers no ping) without waiting for its TTL: succeeds
   * only if nobody wrote the key since `holder` was read; null otherwise.
   */
  async takeOver(key: string, value: T, holder: LeaseHolder<T>): Promise<Lease<T> | null> {
    this.link.requireUp(`take over ${key}`);
    try {
      return new Lease(this, key, value, await this.kv.update(key, JSON.stringify(value), holder.revision));
    } catch (err) {
      if (isRevisionConflict(err)) return null;
      throw err;
    }
  }

  /**
   * Every key written and not yet lapsed (a released one may still be listed: its holder() is null). Read from the
   * bucket's stream info, one request, rather than kv.keys(): on nats-server 2.9 that consumer can wait forever when
   * entries expire while it lists them (nats-io/nats-server#3481), and leases expire all the time.
   */
  async keys(): Promise<string[]> {
    this.link.requireUp(`list the ${this.bucket} leases`);
    const prefix = `$KV.${this.bucket}.`;
    const manager = await natsJetStream().jetstreamManager(this.link.nc);
    const info = await manager.streams.info(`KV_${this.bucket}`, { subjects_filter: `${prefix}>` });
    return Object.keys(info.state.subjects ?? {})
      .filter((subject) => subject.startsWith(prefix))
      .map((subject) => subject.slice(prefix.length))
      .sort();
  }

  /**
   * `listener(key, holder)` for every change from now on: a claim, a renewal or a takeover (the new holder), a
   * release (null). A lapse is not announced on nats-server 2.9. Returns the way to stop.
   */
  async watch(listener: (key: string, holder: LeaseHolder<T> | null) => void): Promise<() => void> {
    this.link.requireUp(`watch the leases`);
    const changes = await this.kv.watch({ include: "updates" });
    void (async () => {
      for await (const entry of changes) listener(entry.key, held<T>(entry));
    })();
    return () => changes.stop();
  }

  /** @internal Lease's own writes. */
  update(key: string, value: T, revision: number): Promise<number> {
    return this.kv.update(key, JSON.stringify(value), revision);
  }

  /** @internal */
  create(key: string, value: T): Promise<number> {
    return this.kv.create(key, JSON.stringify(value));
  }

  /** @internal */
  delete(key: string, revision: number): Promise<void> {
    return this.kv.delete(key, { previousSeq: revision });
  }
}

/**
 * One held lease. `renew` before the TTL runs out (or `keep` does it every third of the TTL); `release` when
 * done. Once a renewal finds another holder the lease is lost for good: `renew` throws LeaseLostError.
 */
export class Lease<T> {
  private lostTo: LeaseLostError | undefined;
  private released = false;
  private timer: NodeJS.Timeout | undefined;
  private stopKeeping: (() => void) | undefined;
  /** The value the next write puts (the latest asked for): a renewal that starts later never writes an older one. */
  private wanted: T;
  /** Writes one at a time: a periodic renewal and a change (draining) racing each other could land old after new. */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly leases: Leases<T>,
    readonly key: string,
    public value: T,
    public revision: number,
  ) {
    this.wanted = value;
  }

  /** The value the lease holds once the writes asked for so far are done (what a change should build on). */
  get latest(): T {
    return this.wanted;
  }

  get lost(): boolean {
    return this.lostTo !== undefined;
  }

  /**
   * Rewrites the lease (restarting its TTL), with `value` if given. If it lapsed and nobody took it, it is
   * claimed again; if anyone else holds it, throws LeaseLostError. Other failures (NATS down, a timeout) are
   * thrown as they are and leave the lease as it was.
   */
  renew(value?: T): Promise<void> {
    if (value !== undefined) this.wanted = value;
    const write = this.writing.then(() => this.write());
    this.writing = write.catch(() => undefined);
    return write;
  }

  private async write(): Promise<void> {
    const value = this.wanted;
    if (this.lostTo) throw this.lostTo;
    if (this.released) throw new Error(`The lease on ${this.key} was released; claim it again`);
    this.leases.link.requireUp(`renew the lease on ${this.key}`);
    try {
      this.revision = await this.leases.update(this.key, value, this.revision);
    } catch (err) {
      if (!isRevisionConflict(err)) throw err;
      this.revision = await this.reclaim(value);
    }
    this.value = value;
  }

  /**
   * Renews every `everyMs` (default a third of the TTL), skipping while NATS is down (nobody can claim it then
   * either) and renewing at once when it is back. `onLost` is called once if another holder is found.
   */
  keep(options: { everyMs?: number; onLost: (err: LeaseLostError) => void; onError?: (err: unknown) => void }): void {
    if (this.stopKeeping) return;
    const everyMs = options.everyMs ?? Math.max(100, Math.floor(this.leases.ttlMs / 3));
    let running = false;
    const tick = async () => {
      if (running || this.released || this.lostTo || !this.leases.link.isUp()) return;
      running = true;
      try {
        await this.renew();
      } catch (err) {
        if (err instanceof LeaseLostError) {
          this.stop();
          options.onLost(err);
        } else options.onError?.(err);
      } finally {
        running = false;
      }
    };
    const schedule = () => {
      this.timer = setTimeout(() => void tick().finally(() => this.stopKeeping && schedule()), everyMs);
      this.timer.unref();
    };
    const offChange = this.leases.link.onChange((up) => up && void tick());
    this.stopKeeping = () => {
      clearTimeout(this.timer);
      offChange();
    };
    schedule();
  }

  /** Gives the lease up so another node can claim it at once (not only after the TTL). */
  async release(): Promise<void> {
    this.stop();
    if (this.released || this.lostTo) return;
    this.released = true;
    try {
      await this.leases.delete(this.key, this.revision);
    } catch (err) {
      // Someone else already holds it: nothing of ours to delete.
      if (!isRevisionConflict(err)) throw err;
    }
  }

  private stop(): void {
    this.stopKeeping?.();
    this.stopKeeping = undefined;
  }

  /** The renewal's revision was not ours: either the lease lapsed (take it back) or it has a new holder. */
  private async reclaim(value: T): Promise<number> {
    const holder = await this.leases.holder(this.key);
    // Our own write whose answer was lost (a timeout mid-renewal): same value, newer revision. Values carry
    // the holder's identity (node id, session), so another holder never writes the same one.
    if (holder && JSON.stringify(holder.value) === JSON.stringify(value)) return holder.revision;
    if (holder === null) {
      try {
        return await this.leases.create(this.key, value);
      } catch (err) {
        if (!isRevisionConflict(err)) throw err;
      }
    }
    this.stop();
    this.lostTo = new LeaseLostError(this.key, holder ?? (await this.leases.holder(this.key).catch(() => null)));
    throw this.lostTo;
  }
}

function held<T>(entry: KvEntry | null): LeaseHolder<T> | null {
  if (!entry || entry.operation !== "PUT") return null;
  return { value: entry.json<T>(), revision: entry.revision };
}
