import { setTimeout as sleep } from "node:timers/promises";
import { backoffDelay, type BackoffPolicy } from "../core/backoff.js";
import { PlatformRefused } from "./account-types.js";
import type { ChatSink } from "./chat-types.js";

/** Chat readers retry faster than outputs: a chat gap is visible to the streamer within seconds. */
export const CHAT_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 60_000 };

/** The platform asked Prism to slow down (quota, rate limit): wait at least `retryAfterMs`, then go on. */
export class ChatSlowDown extends Error {
  override readonly name = "ChatSlowDown";
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * Nothing to read yet, and that is no failure (no announcement post set, not live on the platform
 * yet): the reader says why and looks again after `retryMs`, without backing off.
 */
export class ChatWaiting extends Error {
  override readonly name = "ChatWaiting";
  constructor(
    message: string,
    readonly retryMs: number,
  ) {
    super(message);
  }
}

/** What one step of a polling reader did, when it has more to say than how long to wait. */
export interface ChatStep {
  waitMs: number;
  /**
   * Whether everything sent before the step began has now been handed over: true unless the
   * platform said more is waiting (a full page); "nothing-to-read" when this mode has no chat to poll
   * (a platform whose chat comes by webhook), so the merger must not wait for it.
   */
  complete?: boolean | "nothing-to-read";
}

/** The chat is over for good (e.g. the platform says the live chat ended): the reader stops without an error. */
export class ChatEnded extends Error {
  override readonly name = "ChatEnded";
}

/**
 * Runs one reader step after another until `signal` aborts: a step reads what is new and says how
 * long to wait before the next. Errors never escape: passing trouble backs off with jitter (and
 * says "reconnecting"), a platform's slow-down is honoured, a refusal marks the reader failed and
 * ends it, since only the streamer can fix a missing scope or a deleted post.
 */
export async function runChatLoop(sink: ChatSink, signal: AbortSignal, backoff: BackoffPolicy, step: () => Promise<number | ChatStep>): Promise<void> {
  let failures = 0;
  let live = false;
  sink.state("connecting");
  while (!signal.aborted) {
    let waitMs: number;
    // A message sent before the request went out is in its answer, so a good step vouches for up to then.
    const askedAt = new Date();
    try {
      const result = await step();
      const { complete = true } = typeof result === "number" ? {} : result;
      waitMs = typeof result === "number" ? result : result.waitMs;
      if (!live) sink.state("live");
      live = true;
      failures = 0;
      if (complete === "nothing-to-read") sink.caughtUp(null);
      else if (complete) sink.caughtUp(askedAt);
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof ChatWaiting) {
        live = false;
        sink.state("connecting", err.message);
        if (!(await pause(err.retryMs, signal))) return;
        continue;
      }
      if (err instanceof ChatEnded) {
        sink.state("failed", err.message);
        return;
      }
      if (err instanceof PlatformRefused || (err as Error).name === "AccountNeedsReconnect") {
        sink.state("failed", (err as Error).message);
        return;
      }
      live = false;
      const jittered = backoffDelay(backoff, failures++);
      waitMs = err instanceof ChatSlowDown && err.retryAfterMs !== undefined ? Math.max(err.retryAfterMs, jittered) : jittered;
      sink.state("reconnecting", (err as Error).message);
      sink.log.warn({ reason: (err as Error).message, retryInMs: waitMs }, "chat reader backs off");
    }
    if (!(await pause(waitMs, signal))) return;
  }
}

/** Waits `ms` unless `signal` aborts first; false when it did. */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
