import { describe, expect, it } from "vitest";
import { waitFor, type TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { decodeErrors, decodeTimestamps, offGridSteps } from "../support/probe.js";
import { withTimeout } from "../support/children.js";
import { makeTempDir } from "../support/tmp.js";
import { recordEvents } from "../support/events.js";

const STEADY_SEC = 3;

describe("a flapping primary with a backup publishing", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p), { PRISM_INGEST_PRIMARY_STEADY_SEC: String(STEADY_SEC), PRISM_INGEST_STALL_MS: "1000" });

  it("switches at most once per steady period: to the backup, and back only once the primary stays up", async () => {
    const dir = await makeTempDir("prism-backup-flap-");
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Flapping" });
    const receiver = await startRtmpReceiver({ dir });
    await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { name: "R", url: receiver.url, streamKey: receiver.key });
    const health = async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body;
    const switches = recordEvents(t.prism.bus, stream.id, ["stream.ingest_switched"]);

    const first = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await first.publishing).toBe(true);
    const backup = publishTestStream({ url: t.publishUrl(stream.backupStreamKey), durationSec: Infinity, color: "0xC02020" });
    expect(await backup.publishing).toBe(true);
    await waitFor(async () => (await health()).destinations[0].state === "live", { what: "destination live" });
    first.process.kill("SIGKILL");
    await switches.until(1, 10_000, "switch to the backup");

    // The primary drops every ~1.5 s, four times: each time it is up for less than the steady period.
    for (let i = 0; i < 4; i++) {
      const flap = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
      expect(await flap.publishing).toBe(true);
      await new Promise((r) => setTimeout(r, 1_500));
      flap.process.kill("SIGKILL");
      await flap.exited;
      await waitFor(async () => (await health()).ingest.primary.connected === false, { what: "flap down" });
      expect((await health()).ingestState).toBe("backup");
    }
    expect(switches.seen).toHaveLength(1);

    // Then it stays up: one switch back, after the steady period.
    const steady = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await steady.publishing).toBe(true);
    const upAt = Date.now();
    await switches.until(2, 15_000, "switch back");
    expect(Date.now() - upAt).toBeGreaterThanOrEqual(STEADY_SEC * 1000 - 500);
    expect(switches.seen.map((e) => `${e.data.from}→${e.data.to}`)).toEqual(["primary→backup", "backup→primary"]);
    expect((await health()).destinations[0].reconnects).toBe(0);

    await steady.stop();
    await backup.stop();
    switches.stop();
    expect((await withTimeout(receiver.exited, 10_000, "receiver end")).code).toBe(0);
    expect(await decodeErrors(receiver.file)).toEqual([]);
    // The publishers run at 25 fps: each switch starts the new encoder's pictures whole frames after the old one's.
    expect(offGridSteps(await decodeTimestamps(receiver.file, "video"), 1 / 25)).toEqual([]);
  });
});
