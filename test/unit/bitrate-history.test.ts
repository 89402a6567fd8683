import { describe, expect, it } from "vitest";
import { BitrateHistory } from "../../src/relay/bitrate-history.js";
import type { LiveStreamSnapshot } from "../../src/relay/relay.js";
import type { OutputHealth } from "../../src/relay/output.js";

const snapshot = (id: string, kbps: number, outputs: Array<{ id: string; state: string; kbps: number }>): LiveStreamSnapshot => ({
  id,
  name: id,
  ingest: { bitrateKbps: kbps, fps: 30, videoCodec: "H264", audioCodec: "AAC", width: 1280, height: 720, uptimeMs: 0 },
  outputs: outputs.map((o) => ({ id: o.id, name: o.id, health: { state: o.state, bitrateKbps: o.kbps } as unknown as OutputHealth })),
});

describe("bitrate history", () => {
  it("keeps at most `samples` per series, oldest first; a destination not live counts 0", () => {
    let live = [snapshot("s", 0, [])];
    const history = new BitrateHistory(() => live, { samples: 5, intervalMs: 1000 });
    for (let i = 1; i <= 8; i++) {
      live = [snapshot("s", i * 100, [{ id: "d", state: i % 2 ? "live" : "reconnecting", kbps: i * 10 }])];
      history.sample();
    }
    expect(history.of("s")).toEqual({ intervalMs: 1000, ingest: [400, 500, 600, 700, 800], destinations: [{ id: "d", samples: [0, 50, 0, 70, 0] }] });
  });

  it("forgets a stream that is no longer live and a destination that left it", () => {
    let live = [snapshot("a", 1, [{ id: "d1", state: "live", kbps: 1 }, { id: "d2", state: "live", kbps: 2 }]), snapshot("b", 1, [])];
    const history = new BitrateHistory(() => live, { samples: 300, intervalMs: 1000 });
    history.sample();
    live = [snapshot("a", 1, [{ id: "d2", state: "live", kbps: 2 }])];
    history.sample();
    expect(history.of("b")).toBeNull();
    expect(history.of("a")!.destinations).toEqual([{ id: "d2", samples: [2, 2] }]);
  });
});
