import { afterAll, describe, expect, it } from "vitest";
import { WebhookSender } from "../../src/webhooks/http-sender.js";
import { startHttpReceiver, type HttpReceiver } from "./http-receiver.js";

describe("a webhook send that Prism's stop has already aborted", () => {
  let receiver: HttpReceiver | undefined;
  afterAll(async () => {
    await receiver?.close();
  });

  it("answers aborted and leaves no error behind (a destroyed request's 'socket hang up' was uncaught)", async () => {
    receiver = await startHttpReceiver();
    const sender = new WebhookSender({ timeoutMs: 3_000, allowPrivate: true });
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    // Vitest reports an uncaught exception as a failed run; listening here shows it in this test instead.
    process.prependListener("uncaughtException", onUncaught);
    try {
      const stopped = new AbortController();
      stopped.abort();
      const result = await sender.send({ url: receiver.url, body: "{}", headers: { "content-type": "application/json" } }, stopped.signal);
      expect(result).toMatchObject({ ok: false, aborted: true, error: "Prism stopped before the receiver answered." });
      // The request's "error" comes on a later turn of the event loop.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(uncaught).toEqual([]);
      expect(receiver.requests).toHaveLength(0);
    } finally {
      process.removeListener("uncaughtException", onUncaught);
      sender.close();
    }
  });
});
