/**
 * An answer that is ready now (memory, SQLite) or later (a networked store such as PostgreSQL). Hot paths take
 * a ready answer on the spot, without the microtask an `await` would cost, and wait only when they must.
 */
export type MaybePromise<T> = T | Promise<T>;

export const isPromise = <T>(value: MaybePromise<T>): value is Promise<T> =>
  typeof (value as { then?: unknown } | null | undefined)?.then === "function";
