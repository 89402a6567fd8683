import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { FUZZ_TIMEOUT_MS, fuzzRuns } from "./runs.js";

/**
 * A real Prism's POST/PATCH routes fed arbitrary JSON (and some non-JSON): the answer is never a
 * 5xx, and every refusal is a JSON error with a code and a message a person can act on.
 */
describe("API request bodies under fuzzing", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p), { PRISM_API_RATE_LIMIT: "0" });

  /** Field names the routes know, so generated objects reach past the first "unknown field" check. */
  const known = ["name", "url", "streamKey", "enabled", "transcode", "videoBitrateKbps", "events", "secret", "label", "scopes", "pattern", "kind", "author", "platform", "text", "expiresInSeconds", "platforms", "maxHeight", "fps", "ttlSeconds"];
  const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.string(), fc.integer(), fc.constantFrom("rtmp://127.0.0.1:1/x", "https://example.com/hook", "", "x".repeat(5_000)));
  const body = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    fc.dictionary(fc.oneof(fc.constantFrom(...known), fc.string()), value, { maxKeys: 8 }).map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 200 }), // not JSON at all
  );

  it("answers every POST/PATCH body with a 2xx/4xx and a JSON error when refused", { timeout: FUZZ_TIMEOUT_MS }, async () => {
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Fuzzed" });
    const { body: dest } = await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { name: "D", url: "rtmp://127.0.0.1:1/live", streamKey: "k" });
    const routes: Array<[string, string]> = [
      ["POST", "/api/v1/streams"],
      ["PATCH", `/api/v1/streams/${stream.id}`],
      ["POST", `/api/v1/streams/${stream.id}/destinations`],
      ["PATCH", `/api/v1/streams/${stream.id}/destinations/${dest.id}`],
      ["POST", `/api/v1/streams/${stream.id}/chat-filters`],
      ["POST", `/api/v1/streams/${stream.id}/chat-blocks`],
      ["POST", `/api/v1/streams/${stream.id}/comments`],
      ["POST", `/api/v1/streams/${stream.id}/action-tokens`],
      ["POST", `/api/v1/streams/${stream.id}/overlay-token`],
      ["POST", "/api/v1/webhooks"],
      ["POST", "/api/v1/tokens"],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), body, async ([method, path], text) => {
        const res = await t.api(method, path, text, { headers: { "content-type": "application/json" } });
        expect(res.status, `${method} ${path} ${text.slice(0, 200)} → ${res.text.slice(0, 300)}`).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.headers.get("content-type")).toMatch(/application\/json/);
          expect(res.body?.error?.code).toEqual(expect.any(String));
          expect(res.body?.error?.message).toEqual(expect.any(String));
        }
      }),
      fuzzRuns(60),
    );
  });
});
