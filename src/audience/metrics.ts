import { Gauge, type Registry } from "prom-client";

/**
 * prism_viewers{platform}: the live viewers each platform counts now, summed over live streams,
 * read at scrape time. Platforms without a count (hidden, not available, backing off) are left out
 * rather than reported as 0.
 */
export function viewerMetrics(registry: Registry, byPlatform: () => Map<string, number>): void {
  new Gauge({
    name: "prism_viewers",
    help: "Live viewers each platform reports now, summed over Prism's live streams (platforms without a count are left out)",
    labelNames: ["platform"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [platform, count] of byPlatform()) this.set({ platform }, count);
    },
  });
}
