/**
 * YouTube Data API quota units per call ("Quota costs", developers.google.com/youtube/v3/determine_quota_cost;
 * streamList and list from their method pages: 5 units each). Every request counts, failed ones too
 * (Google: "All API requests, including invalid requests, incur a quota cost of at least one point").
 */
export const QUOTA_COST = {
  "channels.list": 1,
  "videos.list": 1,
  "liveStreams.list": 1,
  "liveStreams.insert": 50,
  "liveBroadcasts.list": 1,
  "liveBroadcasts.insert": 50,
  "liveBroadcasts.update": 50,
  "liveBroadcasts.bind": 50,
  "liveBroadcasts.transition": 50,
  "liveBroadcasts.delete": 50,
  "liveChatMessages.list": 5,
  "liveChatMessages.streamList": 5,
  "liveChatMessages.insert": 50,
  "liveChatMessages.delete": 50,
  "liveChatBans.insert": 50,
} as const;

export type QuotaMethod = keyof typeof QUOTA_COST;

/** A project's default daily allowance, shared by every account linked through the same OAuth app. */
export const DAILY_QUOTA = 10_000;

// Built on first use: a formatter with a time zone maps ICU's zone and locale data into memory (about 6 MiB
// of RSS), which a Prism that never counts YouTube quota should not pay at start.
let pacificDay: Intl.DateTimeFormat | undefined;

/** The Pacific calendar day of `at` (YYYY-MM-DD): YouTube's quota day, which resets at midnight Pacific. */
export const quotaDay = (at: Date) =>
  (pacificDay ??= new Intl.DateTimeFormat("en-CA", { timeZone: "America/Los_Angeles", year: "numeric", month: "2-digit", day: "2-digit" })).format(at);

/** Milliseconds from `at` until the next midnight Pacific, when the daily quota comes back. */
export function untilQuotaReset(at: Date): number {
  const today = quotaDay(at);
  // Pacific midnight is 07:00 or 08:00 UTC: look at those two instants of each following day.
  let probe = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate(), 7);
  while (probe <= at.getTime() || quotaDay(new Date(probe)) === today) probe += 3_600_000;
  return probe - at.getTime();
}

/**
 * Units spent today (Pacific day), per linked account and in total for the app. Kept in memory: a
 * restart forgets the day's count (YouTube's own figure is in the Cloud console's Quotas page).
 */
export class QuotaLedger {
  private day = "";
  private readonly byAccount = new Map<string, number>();
  private readonly calls = new Map<QuotaMethod, number>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  spend(accountId: string, method: QuotaMethod): void {
    this.roll({ spending: true });
    this.byAccount.set(accountId, (this.byAccount.get(accountId) ?? 0) + QUOTA_COST[method]);
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
  }

  /** Today's units of one account, or of every account together. */
  today(accountId?: string): number {
    this.roll();
    if (accountId !== undefined) return this.byAccount.get(accountId) ?? 0;
    let total = 0;
    for (const units of this.byAccount.values()) total += units;
    return total;
  }

  accounts(): Array<{ accountId: string; units: number }> {
    this.roll();
    return [...this.byAccount].map(([accountId, units]) => ({ accountId, units }));
  }

  /** Today's calls per method. */
  methods(): Array<{ method: QuotaMethod; calls: number; units: number }> {
    this.roll();
    return [...this.calls].map(([method, calls]) => ({ method, calls, units: calls * QUOTA_COST[method] }));
  }

  /**
   * Starts a new day's count when the Pacific day changed. An empty ledger has nothing to reset, so a read of it
   * needs no day: /metrics reads it at every scrape, and a Prism that never spent YouTube quota should not build
   * the Pacific formatter for that (it maps ~4 MiB of ICU's zone data).
   */
  private roll({ spending = false } = {}) {
    if (!spending && this.byAccount.size === 0 && this.calls.size === 0) return;
    const day = quotaDay(this.now());
    if (day === this.day) return;
    this.day = day;
    this.byAccount.clear();
    this.calls.clear();
  }
}
