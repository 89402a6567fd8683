/**
 * Counts refused publishes (unknown key, wrong app) per address. Past `limit` refusals within
 * `windowMs`, the address is refused outright for `blockMs` — right key or not — so guessing
 * stream keys is pointless, and the refusal says so instead of looking like a wrong key.
 */
export class RefusalLimiter {
  private readonly byAddress = new Map<string, { times: number[]; blockedUntil: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly blockMs: number,
    private readonly now: () => number = Date.now,
    /** Addresses remembered at most; the oldest are forgotten first. */
    private readonly maxAddresses = 10_000,
  ) {}

  /** Milliseconds this address is still blocked for; 0 when it may try. */
  blockedFor(address: string): number {
    const entry = this.byAddress.get(address);
    return entry ? Math.max(0, entry.blockedUntil - this.now()) : 0;
  }

  refused(address: string): void {
    const now = this.now();
    const entry = this.byAddress.get(address) ?? { times: [], blockedUntil: 0 };
    this.byAddress.delete(address); // re-insert: Map order doubles as "least recently seen first"
    entry.times = entry.times.filter((t) => now - t < this.windowMs);
    entry.times.push(now);
    if (entry.times.length > this.limit) {
      entry.blockedUntil = now + this.blockMs;
      entry.times = [];
    }
    this.byAddress.set(address, entry);
    if (this.byAddress.size > this.maxAddresses) this.byAddress.delete(this.byAddress.keys().next().value!);
  }
}
