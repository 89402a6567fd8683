import type { MiddlewareHandler } from "hono";
import { rateLimiter, MemoryStore, type RateLimitInfo } from "hono-rate-limiter";
import type { AuthEnv } from "./auth.js";
import { errorBody } from "./errors.js";

type LimitEnv = { Variables: AuthEnv["Variables"] & { rateLimit?: RateLimitInfo } };

export interface RateLimitOptions {
  /** Requests per token per window; 0 turns the limit off. */
  limit: number;
  windowMs: number;
}

/**
 * A request budget per token (not per address: many dashboards share one NAT, one script may hop
 * addresses). Runs after authentication, so it counts only requests that carried a valid token.
 * Answers 429 with Retry-After and the draft-7 RateLimit headers.
 */
export function limitPerToken(options: RateLimitOptions): { middleware: MiddlewareHandler<LimitEnv>; close(): void } {
  if (options.limit <= 0) return { middleware: async (_c, next) => next(), close: () => {} };
  const store = new MemoryStore<LimitEnv>();
  const middleware = rateLimiter<LimitEnv>({
    windowMs: options.windowMs,
    limit: options.limit,
    standardHeaders: "draft-7",
    store,
    keyGenerator: (c) => c.get("principal").id,
    handler: (c) => {
      const resetAt = c.get("rateLimit")?.resetTime?.getTime() ?? Date.now() + options.windowMs;
      const retryAfter = String(Math.max(1, Math.ceil((resetAt - Date.now()) / 1000)));
      return c.json(
        errorBody(
          "rate_limited",
          `Too many requests with the token "${c.get("principal").name}": at most ${options.limit} per ${options.windowMs / 1000} s. Try again in ${retryAfter} s, or raise PRISM_API_RATE_LIMIT.`,
          { limit: options.limit, windowSeconds: options.windowMs / 1000, retryAfterSeconds: Number(retryAfter) },
        ),
        429,
        { "Retry-After": retryAfter },
      );
    },
  });
  return { middleware, close: () => store.shutdown() };
}
