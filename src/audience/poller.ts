import { backoffDelay, type BackoffPolicy } from "../core/backoff.js";
import { ChatSlowDown, pause } from "../destinations/chat-loop.js";
import type { ViewerCountSupport, ViewerReading } from "../destinations/viewer-types.js";
import type { AccountApi, StreamInfo } from "../destinations/account-api.js";
import type { Logger } from "../log.js";

/** A failing platform is asked again after 2× its interval, doubling up to 32× (a 30 s pace backs off to 16 min at most). */
export const viewerBackoff = (intervalMs: number): BackoffPolicy => ({ initialMs: intervalMs * 2, maxMs: intervalMs * 32 });

/**
 * Reads one destination's viewer count every `intervalMs` of its platform until `signal` aborts.
 * A read that throws is reported as the reason and retried with backoff (src/core/backoff.ts), at
 * least as late as the platform's own retry time (ChatSlowDown); each destination has its own loop,
 * so one platform's errors or rate limits never hold another's count back.
 */
export async function pollViewers(
  reader: { viewers: ViewerCountSupport; api: AccountApi; stream: StreamInfo },
  report: (reading: ViewerReading) => void,
  signal: AbortSignal,
  log: Logger,
): Promise<void> {
  const { viewers, api, stream } = reader;
  const backoff = viewerBackoff(viewers.intervalMs);
  let failures = 0;
  while (!signal.aborted) {
    let waitMs = viewers.intervalMs;
    try {
      const reading = await viewers.read(api, stream);
      if (signal.aborted) return;
      failures = 0;
      report(reading);
    } catch (err) {
      if (signal.aborted) return;
      const jittered = backoffDelay(backoff, failures++);
      const retryAfter = err instanceof ChatSlowDown ? err.retryAfterMs : undefined;
      waitMs = retryAfter === undefined ? jittered : Math.max(retryAfter, jittered);
      report({ unavailable: (err as Error).message });
      log.warn({ reason: (err as Error).message, retryInMs: waitMs }, "viewer count read failed; backing off");
    }
    if (!(await pause(waitMs, signal))) return;
  }
}
