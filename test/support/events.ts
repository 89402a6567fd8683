import type { EventBus, PrismEvents } from "../../src/bus.js";

type EventName = keyof PrismEvents;

/** Collects one stream's events of the given types from the bus, and lets a test await the next one. */
export function recordEvents<E extends EventName>(bus: EventBus, streamId: string, types: E[]) {
  const seen: Array<{ type: E; data: PrismEvents[E] }> = [];
  const waiters: Array<() => void> = [];
  const offs = types.map((type) =>
    bus.on(type, (data) => {
      if ((data as { streamId?: string }).streamId !== streamId) return;
      seen.push({ type, data });
      for (const wake of waiters.splice(0)) wake();
    }),
  );
  return {
    seen,
    /** Resolves when `count` events in all have been seen (or rejects after `timeoutMs`). */
    async until(count: number, timeoutMs = 15_000, what = `${count} events`): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (seen.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out waiting for ${what}; saw ${JSON.stringify(seen.map((e) => e.type))}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    stop: () => offs.forEach((off) => off()),
  };
}
