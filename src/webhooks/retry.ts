export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
}

/**
 * Wait before the retry that follows failed attempt number `attempt` (1-based): doubling from
 * `initialMs` up to `maxMs`, each with ±20 % jitter so receivers that went down together are not
 * all hit again in the same second when they come back.
 */
export function retryDelay(policy: RetryPolicy, attempt: number, random = Math.random): number {
  const base = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(Math.max(attempt - 1, 0), 40));
  return Math.round(base * (0.8 + 0.4 * random()));
}
