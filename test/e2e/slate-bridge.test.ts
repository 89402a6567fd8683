import { describe, expect, it } from "vitest";
import { waitFor, type TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { decodeErrors, decodeTimestamps, nonIncreasing, offGridSteps } from "../support/probe.js";
import { averageColors } from "../support/frames.js";
import { withTimeout } from "../support/children.js";
import { makeTempDir } from "../support/tmp.js";
import { recordEvents } from "../support/events.js";

const SLATE_RGB = [0x15, 0x1a, 0x2e]; // assets/slate.png's background
const BACKUP_RGB = [0xc0, 0x20, 0x20]; // the backup encoder's solid colour
const near = (rgb: number[], target: number[], tolerance = 28) => rgb.every((v, i) => Math.abs(v - target[i]!) <= tolerance);
const classify = (rgb: number[]) => (near(rgb, SLATE_RGB) ? "slate" : near(rgb, BACKUP_RGB) ? "backup" : "primary");

describe("the slate bridging a switch to the backup", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p));

  it("hands over to a returning primary when the backup is lost before its first keyframe", async () => {
    const dir = await makeTempDir("prism-slate-bridge-");
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Both encoders down" });
    const receiver = await startRtmpReceiver({ dir });
    await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { name: "R", url: receiver.url, streamKey: receiver.key });
    const health = async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body;
    const events = recordEvents(t.prism.bus, stream.id, ["stream.ingest_switched", "stream.ingest_lost", "stream.ingest_resumed"]);

    const primary = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await primary.publishing).toBe(true);
    // A keyframe only at its start and then after 60 s: the switch to the backup waits for the next one, on the slate,
    // until the backup is lost too (a few seconds later).
    const backup = publishTestStream({ url: t.publishUrl(stream.backupStreamKey), durationSec: Infinity, color: "0xC02020", keyframeIntervalSec: 60 });
    expect(await backup.publishing).toBe(true);
    await waitFor(async () => (await health()).destinations[0].state === "live", { what: "destination live" });
    // The slate must be ready to bridge the switch: it is encoded once the stream's format is known.
    await waitFor(() => t.logs().split("\n").some((l) => l.includes('"slate ready"') && l.includes(stream.name)), { timeoutMs: 20_000, what: "slate ready" });

    primary.process.kill("SIGKILL");
    await events.until(1, 10_000, "switch to the backup");
    expect(events.seen[0]!.type).toBe("stream.ingest_switched");
    expect((await health()).ingestState).toBe("resuming");
    backup.process.kill("SIGKILL");
    await events.until(2, 10_000, "backup lost");
    expect(events.seen[1]!.type).toBe("stream.ingest_lost");
    await waitFor(async () => (await health()).ingestState === "slate", { what: "slate holding" });
    await new Promise((r) => setTimeout(r, 1_000)); // some slate on record

    const back = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: 5 });
    await events.until(3, 10_000, "primary back");
    await waitFor(async () => (await health()).ingestState === "publisher", { what: "primary on air" });
    expect((await back.exited).code).toBe(0);
    expect((await withTimeout(receiver.exited, 10_000, "receiver end")).code).toBe(0);
    events.stop();

    expect(await decodeErrors(receiver.file)).toEqual([]);
    for (const kind of ["video", "audio"] as const) expect(nonIncreasing(await decodeTimestamps(receiver.file, kind)), kind).toEqual([]);
    expect(offGridSteps(await decodeTimestamps(receiver.file, "video"), 1 / 25)).toEqual([]);
    // Sampled four times a second: the primary, the slate, then the returning primary to the end (about 5 s of it).
    const seen = (await averageColors(receiver.file, 4, dir)).map(classify);
    expect(seen.filter((c, i) => i === 0 || c !== seen[i - 1])).toEqual(["primary", "slate", "primary"]);
    expect(seen.slice(-12)).toEqual(Array(12).fill("primary"));
  });
});
