import { afterAll, afterEach, beforeEach, describe, vi } from "vitest";
import type { Dialect, Store } from "../../src/db/store.js";
import type { SecretBox } from "../../src/secrets/secret-box.js";
import { openStore, type Query } from "./db.js";
import { removeTempDirs } from "./tmp.js";

export interface DialectHarness {
  dialect: Dialect;
  store: Store;
  box: SecretBox;
  /** Plain SQL valid in both dialects (no parameters), for what the contract cannot do: age or break a row. */
  query: Query;
}

const DIALECTS: Dialect[] = ["sqlite", "postgres"];

/**
 * Declares the same tests once per dialect: `open()` gives a fresh, migrated, empty database of that dialect
 * (a SQLite file; a PostgreSQL database copied from the migrated template), closed after each test. The SQLite
 * side is the synchronous repositories behind wrapSync, exactly as Prism serves them.
 */
export function describeDialects(title: string, body: (open: () => Promise<DialectHarness>) => void): void {
  for (const dialect of DIALECTS) {
    describe(`${title} [${dialect}]`, () => {
      const closers: Array<() => unknown> = [];
      afterEach(async () => {
        for (const close of closers.splice(0).reverse()) await close();
      });
      afterAll(removeTempDirs);
      body(async () => {
        const { close, ...harness } = await openStore(dialect);
        closers.push(close);
        return harness;
      });
    });
  }
}

/** The clock a contract test starts from. */
export const T0 = Date.UTC(2026, 11, 6, 9, 0, 0);

/**
 * Fakes Date only, set to T0 before each test (move it with vi.setSystemTime): creation order and timestamps
 * are exact in both dialects, and the database drivers' timers run as usual.
 */
export function fakeDate(): void {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T0);
  });
  afterEach(() => vi.useRealTimers());
}
