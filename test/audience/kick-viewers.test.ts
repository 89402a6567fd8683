import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKickFake, KICK_USER, type KickFake } from "../fakes/kick.js";
import { apiFor } from "../chat/support.js";
import { kickViewers } from "../../src/destinations/kick/viewers.js";
import { ChatSlowDown } from "../../src/destinations/chat-loop.js";

/** Kick's viewer count from its channels API (GET /channels: stream.is_live, stream.viewer_count), against the Kick fake. */
describe("Kick viewer count", () => {
  let kick: KickFake;
  beforeAll(async () => {
    kick = await startKickFake();
  });
  afterAll(async () => {
    await kick?.close();
  });

  it("reads viewer_count while live, says so while not, and turns a 429 into a wait", async () => {
    const viewers = kickViewers({ apiUrl: kick.env().PRISM_KICK_API_URL!, intervalMs: 30_000 });
    const api = apiFor(kick.oauth, KICK_USER, ["user:read", "channel:read"]);
    const stream = { streamId: "s", destinationId: "d", title: "t", description: null };
    expect(await viewers.read(api, stream)).toEqual({ unavailable: "not live on Kick yet" });
    Object.assign(kick.live, { isLive: true, viewers: 73 });
    expect(await viewers.read(api, stream)).toEqual({ count: 73 });
    kick.rateLimitNext(1);
    await expect(viewers.read(api, stream)).rejects.toBeInstanceOf(ChatSlowDown);
    expect(await viewers.read(api, stream)).toEqual({ count: 73 });
  });
});
