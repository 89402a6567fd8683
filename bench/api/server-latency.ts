/**
 * Prism's own view of request latency: the prism_http_request_duration_seconds histogram from
 * /metrics, read before and after a phase. It excludes the network stack and the load generator, so
 * next to the client-side figures it shows where time goes.
 */
export type Buckets = Map<number, number>;

/** Cumulative bucket counts (le → count) for one route and method, status 200. */
export function parseBuckets(metricsText: string, route: string): Buckets {
  const buckets: Buckets = new Map();
  for (const line of metricsText.split("\n")) {
    if (!line.startsWith("prism_http_request_duration_seconds_bucket{")) continue;
    if (!line.includes(`route="${route}"`) || !line.includes('status="200"') || !line.includes('method="GET"')) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (le !== undefined) buckets.set(le === "+Inf" ? Infinity : Number(le), value);
  }
  return buckets;
}

/** Requests in the phase, the share answered within 1 ms and 5 ms, and p50/p99 interpolated within buckets. */
export function summarize(before: Buckets, after: Buckets): { count: number; within1ms: number; within5ms: number; p50ms: number; p99ms: number } {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const delta = bounds.map((le) => ({ le, count: (after.get(le) ?? 0) - (before.get(le) ?? 0) }));
  const total = delta[delta.length - 1]?.count ?? 0;
  const share = (le: number) => (total > 0 ? (delta.find((d) => d.le === le)?.count ?? 0) / total : NaN);
  const quantile = (q: number) => {
    const rank = q * total;
    let lower = 0;
    let below = 0;
    for (const { le, count } of delta) {
      if (count >= rank) {
        if (!Number.isFinite(le)) return lower * 1000;
        return (lower + ((rank - below) / Math.max(1, count - below)) * (le - lower)) * 1000;
      }
      lower = le;
      below = count;
    }
    return NaN;
  };
  return { count: total, within1ms: share(0.001), within5ms: share(0.005), p50ms: quantile(0.5), p99ms: quantile(0.99) };
}
