/** setTimeout's longest delay (about 24.8 days); an event further ahead is re-armed when it fires. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** Named one-shot timers at absolute instants, any distance ahead; setting a name again replaces it. */
export class Timers {
  private readonly pending = new Map<string, NodeJS.Timeout>();

  at(name: string, when: number, run: () => void): void {
    this.clear(name);
    const delay = when - Date.now();
    const timer =
      delay > MAX_DELAY_MS
        ? setTimeout(() => this.at(name, when, run), MAX_DELAY_MS)
        : setTimeout(() => {
            this.pending.delete(name);
            run();
          }, Math.max(0, delay));
    // Timers never keep the process alive on their own: the servers do.
    timer.unref();
    this.pending.set(name, timer);
  }

  clear(name: string): void {
    const timer = this.pending.get(name);
    if (timer) clearTimeout(timer);
    this.pending.delete(name);
  }

  /** Every timer whose name starts with `prefix` (one event's). */
  clearAll(prefix: string): void {
    for (const name of [...this.pending.keys()]) if (name.startsWith(prefix)) this.clear(name);
  }

  has(name: string): boolean {
    return this.pending.has(name);
  }

  stop(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }
}
