export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000 };

/**
 * Delay before retry number `attempt` (0-based): exponential, capped, with "equal jitter" — half fixed,
 * half random — so many outputs cut by one network blip do not all come back in the same instant.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
