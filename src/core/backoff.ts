/**
 * The one retry schedule of Prism: exponential from `initialMs`, capped at `maxMs`, with jitter so
 * that many clients cut by the same blip (outputs, chat readers, webhook receivers) do not all come
 * back in the same instant. Relay outputs, transcoders, chat readers and webhook deliveries all use it.
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /**
   * "equal" (default): half the delay fixed, half random — never sooner than half the step.
   * { spread }: the step ± spread (0.2: ±20 %), for schedules that people read (webhook retries).
   * "none": exactly the step, for restarts that are rare and logged.
   */
  jitter?: "equal" | "none" | { spread: number };
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000 };

/** Delay before retry number `attempt` (0-based). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random = Math.random): number {
  const step = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(Math.max(attempt, 0), 40));
  const jitter = policy.jitter ?? "equal";
  if (jitter === "none") return Math.round(step);
  if (jitter === "equal") return Math.round(step / 2 + random() * (step / 2));
  return Math.round(step * (1 - jitter.spread + 2 * jitter.spread * random()));
}
