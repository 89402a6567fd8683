/** What /healthz reports beyond "the process answers": whether this node should be sent new work. */
export interface NodeReadiness {
  /** True while the store answers a cheap query. Never throws. */
  storeUp(): Promise<boolean>;
  /** True once the node drains (SIGTERM in a cluster). */
  draining(): boolean;
}

export interface StoreProbeOptions {
  /** A probe slower than this counts as down (a frozen server accepts connections but answers nothing). */
  timeoutMs?: number;
  /** A result is reused this long: a balancer polling every second, or a flood of /healthz, costs one query per period. */
  freshMs?: number;
  now?: () => number;
}

/**
 * `ping` (e.g. SELECT 1) as a readiness check: bounded in time, one at a time, its answer reused for freshMs.
 */
export function storeProbe(ping: () => Promise<unknown>, options: StoreProbeOptions = {}): () => Promise<boolean> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const freshMs = options.freshMs ?? 1_000;
  const now = options.now ?? Date.now;
  let last: { up: boolean; at: number } | undefined;
  let running: Promise<boolean> | undefined;
  const probe = async (): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([ping().then(() => true, () => false), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  };
  return () => {
    if (last && now() - last.at < freshMs) return Promise.resolve(last.up);
    running ??= probe().then((up) => {
      last = { up, at: now() };
      running = undefined;
      return up;
    });
    return running;
  };
}

/** A node that is always ready (a test app without a store to probe). */
export const alwaysReady: NodeReadiness = { storeUp: async () => true, draining: () => false };
