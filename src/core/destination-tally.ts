import type { OutputState } from "./output-state.js";

/**
 * A destination's counters, defined here once. The relay keeps them (one tally per destination and
 * run of the stream); the API health, its SSE feed, the dashboard, the CLI, /metrics and the
 * webhooks all report these very numbers, never a count of their own.
 *
 * - `reconnects`: drops after which the destination came back (was live, dropped, is live again).
 *   A first connection that needed retries is not a reconnect: it had not been live yet.
 * - `attempt`: the retry number within the current outage (1 = the first retry after the drop);
 *   0 whenever the destination is not reconnecting.
 * - `lastError` / `lastErrorAt`: the most recent error and when it happened. It is the current
 *   problem while the destination is reconnecting or failed (`lastErrorCurrent`); once it is live
 *   (or idle, stopped) again it is history, shown with its time.
 * - `outageSince`: when the current outage began (the first drop or refusal); null when there is none.
 */
export interface DestinationTallyView {
  reconnects: number;
  attempt: number;
  lastError: string | null;
  lastErrorAt: string | null;
  lastErrorCurrent: boolean;
  outageSince: string | null;
}

/** Whether a destination in `state` is suffering its last error now (else that error is history). */
export const lastErrorIsCurrent = (state: OutputState): boolean => state === "reconnecting" || state === "failed";

export class DestinationTally {
  private reconnects = 0;
  private attempt = 0;
  private everLive = false;
  private lastError: string | null = null;
  private lastErrorAt: Date | null = null;
  private outageSince: Date | null = null;

  /** Connected and sending: ends the outage. Returns whether this was a reconnect (a drop came back). */
  live(): boolean {
    const reconnect = this.everLive && this.outageSince !== null;
    if (reconnect) this.reconnects += 1;
    this.everLive = true;
    this.attempt = 0;
    this.outageSince = null;
    return reconnect;
  }

  /** A connection dropped or an attempt failed; returns the retry number of the attempt that follows. */
  dropped(error: string, now = new Date()): number {
    this.failed(error, now);
    this.attempt += 1;
    return this.attempt;
  }

  /** An error that ends the tries (refused key, internal error): no retry follows. */
  failed(error: string, now = new Date()): void {
    this.lastError = error;
    this.lastErrorAt = now;
    this.outageSince ??= now;
  }

  /** How long the current outage has lasted, in ms (0 without one). */
  outageMs(now = Date.now()): number {
    return this.outageSince ? Math.max(0, now - this.outageSince.getTime()) : 0;
  }

  view(state: OutputState): DestinationTallyView {
    return {
      reconnects: this.reconnects,
      attempt: state === "reconnecting" ? this.attempt : 0,
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt?.toISOString() ?? null,
      lastErrorCurrent: this.lastError !== null && lastErrorIsCurrent(state),
      outageSince: lastErrorIsCurrent(state) ? (this.outageSince?.toISOString() ?? null) : null,
    };
  }
}

/** A view for a destination that has not run (no tally yet). */
export const EMPTY_TALLY: DestinationTallyView = { reconnects: 0, attempt: 0, lastError: null, lastErrorAt: null, lastErrorCurrent: false, outageSince: null };
