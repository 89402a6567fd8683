import { backoffDelay } from "../core/backoff.js";

export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
}

/**
 * Wait before the retry that follows failed attempt number `attempt` (1-based): the core backoff
 * with ±20 % jitter, so receivers that went down together are not all hit again in the same second
 * and the schedule stays readable ("about 5 s, 10 s, 20 s …").
 */
export function retryDelay(policy: RetryPolicy, attempt: number, random = Math.random): number {
  return backoffDelay({ ...policy, jitter: { spread: 0.2 } }, attempt - 1, random);
}
