import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics/metrics.js";
import { ACTIONS_PREFIX, isUnder } from "./paths.js";

/**
 * Times every request, feeds the HTTP histogram and logs one line at debug. The route *pattern* is
 * what gets recorded (bounded label values, no ids, no token-in-URL action paths); a request that
 * matched no route is "unmatched".
 */
export function observeRequests(metrics: Metrics, log: Logger): MiddlewareHandler {
  return async (c, next) => {
    const started = process.hrtime.bigint();
    await next();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // The route this request was for, even when auth or the rate limit answered before it ran.
    const route = matchedRoutes(c).findLast((r) => r.method !== "ALL")?.path ?? "unmatched";
    metrics.observeHttp(c.req.method, route, c.res.status, seconds);
    if (log.isLevelEnabled("debug")) {
      const principal = c.get("principal") as { name: string } | undefined;
      log.debug(
        {
          method: c.req.method,
          route,
          // The raw path only when it says something the pattern does not, and never for action URLs (their token is in the path).
          path: route === "unmatched" && !isUnder(c.req.path, ACTIONS_PREFIX) ? c.req.path : undefined,
          status: c.res.status,
          ms: Math.round(seconds * 1e5) / 100,
          tokenName: principal?.name,
        },
        "API request",
      );
    }
  };
}
