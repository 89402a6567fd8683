import { expect } from "vitest";
import type { TestPrism } from "./prism.js";

/** The only answers that may carry a stream key: the ones whose purpose is to show it. */
const SHOWS_KEY = /^POST \/api\/v1\/streams(\/[^/]+\/(rotate-key|reveal-key))?$/;

/** No secret may appear in what the service logged, or in any API answer not meant to show it. */
export function expectNoSecretLeak(t: TestPrism, secrets: string[]): void {
  const logs = t.logs();
  const answers = t
    .responses()
    .filter((r) => !SHOWS_KEY.test(`${r.method} ${r.path}`))
    .map((r) => r.text)
    .join("\n");
  for (const secret of secrets) {
    expect(logs.includes(secret), `a secret ending in ${secret.slice(-4)} was logged`).toBe(false);
    expect(answers.includes(secret), `a secret ending in ${secret.slice(-4)} was in an API answer`).toBe(false);
  }
}
