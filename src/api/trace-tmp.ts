// TEMPORARY diagnostic (PRISM_TRACE_HTTP=1), not to be committed.
import { PerformanceObserver, monitorEventLoopDelay } from "node:perf_hooks";
import { writeFileSync } from "node:fs";
import type { MiddlewareHandler } from "hono";

const now = () => performance.timeOrigin + performance.now();
export const traceOn = process.env.PRISM_TRACE_HTTP === "1";
const gcs: [number, number, number][] = [];
const reqs: [number, number, number][] = [];
if (traceOn) {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push([performance.timeOrigin + e.startTime, e.duration, (e as any).detail?.kind ?? 0]);
  }).observe({ entryTypes: ["gc"] });
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const dump = () => {
    writeFileSync("/tmp/prism-trace.json", JSON.stringify({ gcs, reqs, eld5: { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6, n: h.count } }));
  };
  setInterval(dump, 2000).unref();
}
export function traceRequests(): MiddlewareHandler {
  return async (c, next) => {
    const arrive = now();
    await next();
    const done = now();
    if (c.req.path.endsWith("/health")) {
      reqs.push([arrive, done, 0]);
      c.res.headers.set("x-trace", `${arrive},${done}`);
    }
  };
}
