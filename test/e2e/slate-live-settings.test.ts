import { describe, expect, it } from "vitest";
import { waitFor, type TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { publishTestStream } from "../support/publisher.js";
import { recordEvents } from "../support/events.js";

/** Slate settings changed while the stream is live apply to that broadcast, not only to the next one. */
describe("slate settings changed while live", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p));

  it("a slate turned on mid-broadcast covers the next drop; a shorter maxSeconds during a hold moves its end", async () => {
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Flaky uplink" });
    expect((await t.api("PATCH", `/api/v1/streams/${stream.id}`, { slate: { enabled: false } })).status).toBe(200);
    const health = async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body;
    const events = recordEvents(t.prism.bus, stream.id, ["stream.ingest_lost", "stream.ended"]);

    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await publisher.publishing).toBe(true);
    await waitFor(async () => (await health()).ingestState === "publisher", { what: "on air" });
    // The streamer turns the slate on while live (it was off when the broadcast began).
    expect((await t.api("PATCH", `/api/v1/streams/${stream.id}`, { slate: { enabled: true, maxSeconds: 600 } })).status).toBe(200);

    // OBS crashes: without the change the stream would end here; with it the slate covers.
    publisher.process.kill("SIGKILL");
    await publisher.exited;
    await events.until(1, 10_000, "stream.ingest_lost");
    const lost = events.seen[0]!.data as { at: string; slateUntil: string };
    const lostAt = Date.parse(lost.at);
    expect(Date.parse(lost.slateUntil) - lostAt).toBeGreaterThan(590_000);
    expect((await health()).ingestState).toBe("slate");

    // Shorter while holding (10 s, the least allowed): the hold now ends 10 s after the drop, not 600.
    expect((await t.api("PATCH", `/api/v1/streams/${stream.id}`, { slate: { maxSeconds: 10 } })).status).toBe(200);
    await waitFor(async () => Date.parse((await health()).slateUntil) - lostAt < 11_000, { what: "slateUntil moved to 10 s after the drop" });
    await events.until(2, 20_000, "stream.ended after the shortened hold");
    expect(events.seen[1]!.data.reason).toBe("publisher did not come back within 10 s");
    expect(Date.parse(events.seen[1]!.data.at) - lostAt).toBeGreaterThanOrEqual(9_900);
  });
});
