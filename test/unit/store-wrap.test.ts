import { describe, expect, it } from "vitest";
import { wrapSync } from "../../src/db/store.js";

class Counter {
  private count = 0;
  add(by: number): number {
    this.count += by;
    return this.count;
  }
  fail(): never {
    throw new Error("no such row");
  }
}

describe("wrapSync (the SQLite repositories behind the async store contract)", () => {
  it("answers with a promise of what the repository returned, keeping the repository's own state", async () => {
    const store = wrapSync(new Counter());
    const first = store.add(2);
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toBe(2);
    expect(await store.add(3)).toBe(5);
  });

  it("turns a throw into a rejection, so both dialects fail the same way", async () => {
    const store = wrapSync(new Counter());
    let threw = false;
    const answer = (() => {
      try {
        return store.fail();
      } catch {
        threw = true;
        return undefined;
      }
    })();
    expect(threw).toBe(false);
    await expect(answer).rejects.toThrow("no such row");
  });
});
