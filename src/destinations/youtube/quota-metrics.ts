import { Gauge, type Registry } from "prom-client";
import { DAILY_QUOTA, type QuotaLedger } from "./quota.js";

/**
 * YouTube's quota on /metrics, read from the ledger at scrape time: units spent today (the Pacific
 * day YouTube counts in) per linked account and per API method, next to the daily allowance, so an
 * alert can fire well before chat stops for quotaExceeded.
 */
export function quotaMetrics(registry: Registry, ledger: QuotaLedger): void {
  new Gauge({
    name: "prism_youtube_quota_units_today",
    help: "YouTube Data API quota units Prism spent today (Pacific day, resets at midnight Pacific), by linked account",
    labelNames: ["account_id"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { accountId, units } of ledger.accounts()) this.set({ account_id: accountId }, units);
    },
  });
  new Gauge({
    name: "prism_youtube_quota_calls_today",
    help: "YouTube Data API calls Prism made today (Pacific day), by method",
    labelNames: ["method"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { method, calls } of ledger.methods()) this.set({ method }, calls);
    },
  });
  new Gauge({
    name: "prism_youtube_quota_units_daily_limit",
    help: "YouTube's default daily quota of an OAuth app's Cloud project, shared by every linked account",
    registers: [registry],
    collect() {
      this.set(DAILY_QUOTA);
    },
  });
}
