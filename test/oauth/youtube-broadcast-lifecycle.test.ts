import { afterEach, describe, expect, it } from "vitest";
import { pino } from "pino";
import type { LinkedPlatform } from "../../src/destinations/account-types.js";
import { youtubeAccounts } from "../../src/destinations/youtube/account.js";
import { startYouTubeFake, YOUTUBE_CHANNEL, type YouTubeFake } from "../fakes/youtube.js";
import { apiFor, STREAM, waitFor } from "../chat/support.js";

/**
 * A YouTube broadcast's life as Prism drives it, against a fake that goes through liveStarting the
 * way YouTube does: the transition to live answers at once, the broadcast is live only later, and
 * YouTube refuses to complete it until then (invalidTransition).
 */
describe("YouTube broadcast lifecycle", () => {
  let yt: YouTubeFake;
  let platform: LinkedPlatform;
  afterEach(async () => {
    platform.close?.();
    await yt.close();
  });

  const setup = async (liveStartingMs: number) => {
    yt = await startYouTubeFake({ liveStartingMs });
    platform = youtubeAccounts.create({
      settings: { clientId: "id", clientSecret: "secret", authUrl: yt.url, tokenUrl: yt.url, apiUrl: yt.url, options: { privacy: "unlisted", pollMs: 50, chatPollMs: 5_000, viewersPollMs: 60_000, grpcUrl: undefined } },
      log: pino({ level: "silent" }),
    });
    const api = apiFor(yt.oauth, YOUTUBE_CHANNEL);
    await platform.ingest!(api, STREAM);
    const [broadcast] = [...yt.broadcasts.values()];
    yt.setStreamStatus([...yt.streams.keys()][0]!, "active");
    await waitFor(() => yt.transitions.length === 1, "the transition to live");
    return { api, broadcast: broadcast! };
  };

  it("a stream that ends while the broadcast is still liveStarting still completes it, once YouTube lets it", async () => {
    const { api, broadcast } = await setup(800);
    expect(broadcast.status?.lifeCycleStatus).toBe("liveStarting");
    await platform.ended!(api, STREAM);
    expect(yt.refusedTransitions.filter((t) => t.status === "complete").map((t) => t.reason)[0]).toBe("invalidTransition");
    expect(yt.transitions).toEqual([
      { id: broadcast.id, status: "live" },
      { id: broadcast.id, status: "complete" },
    ]);
    expect(broadcast.status?.lifeCycleStatus).toBe("complete");
  });

  it("a broadcast YouTube never lets go of: ending says so, with what the streamer can do", async () => {
    const { api, broadcast } = await setup(Number.POSITIVE_INFINITY);
    await expect(platform.ended!(api, STREAM)).rejects.toThrow(/did not end the broadcast .*end it in YouTube Studio/);
    expect(broadcast.status?.lifeCycleStatus).toBe("liveStarting");
    expect(yt.refusedTransitions.length).toBeGreaterThan(1);
  });

});
