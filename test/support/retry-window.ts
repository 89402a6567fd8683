import { waitFor } from "./prism.js";

/**
 * Waits until a reconnecting destination's next attempt is at least `marginMs` away. A receiver
 * (ffmpeg -listen 1) restarted just as the relay retries can take the connection before the test
 * saw it listen (it stops listening once it accepts), and startRtmpReceiver would then give up.
 */
export async function retryFarEnough(health: () => Promise<{ state: string; nextRetryAt: string | null }>, marginMs = 700): Promise<void> {
  await waitFor(
    async () => {
      const h = await health();
      return h.state === "reconnecting" && h.nextRetryAt !== null && Date.parse(h.nextRetryAt) - Date.now() > marginMs;
    },
    { timeoutMs: 20_000, intervalMs: 50, what: "a retry far enough off to restart the receiver" },
  );
}
