import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { killAll } from "../support/children.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";
import { expectNoSecretLeak } from "../support/secrets.js";
import { startTwitchFake, TWITCH_USER, type TwitchFake } from "../fakes/twitch.js";
import { expectNotInDatabase, linkThroughBrowser } from "../oauth/support.js";
import type { PrismEvents } from "../../src/bus.js";

interface DestinationHealth {
  id: string;
  state: string;
  bytesOut: number;
  lastError: string | null;
}

describe("a destination from a linked Twitch account, end to end", () => {
  let t: TestPrism;
  let twitch: TwitchFake;

  beforeAll(async () => {
    twitch = await startTwitchFake();
  });
  afterEach(async () => {
    await killAll();
  });
  afterAll(async () => {
    await t?.stop();
    await twitch.close();
    await removeTempDirs();
  });

  it("pushes with the key fetched at go-live, picks up a key rotated on Twitch at the next connection, and fails alone when the grant is revoked", async () => {
    const dir = await makeTempDir("prism-linked-");
    const firstKey = twitch.streamKey;
    // The real RTMP receiver stands in for Twitch's ingest; Prism is pointed at it by PRISM_TWITCH_INGEST_URL.
    const ingest = await startRtmpReceiver({ dir, name: "twitch-1", app: "app", key: firstKey });
    const other = await startRtmpReceiver({ dir, name: "other" });
    t = await startTestPrism({ env: { ...twitch.env(), PRISM_TWITCH_INGEST_URL: ingest.url } });
    const needsReconnect: Array<PrismEvents["account.needs_reconnect"]> = [];
    t.prism.bus.on("account.needs_reconnect", (e) => needsReconnect.push(e));

    const { location } = await linkThroughBrowser(t, "twitch", twitch.oauth);
    const accountId = location.searchParams.get("account")!;
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Linked" });
    expect((await t.api("PATCH", `/api/v1/streams/${stream.id}`, { title: "Any% in under an hour" })).body.title).toBe("Any% in under an hour");
    const { body: linked } = await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "twitch", accountId });
    expect(linked).toMatchObject({ accountId, url: "", streamKey: "" });
    const { body: plain } = await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "custom", name: "Other", url: other.url, streamKey: other.key });
    const health = async (id: string): Promise<DestinationHealth> =>
      (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body.destinations.find((d: DestinationHealth) => d.id === id);

    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await publisher.publishing).toBe(true);
    await waitFor(async () => (await health(linked.id)).state === "live" && (await health(plain.id)).state === "live", { what: "both destinations live" });
    await ingest.connected;
    expect(ingest.publishedTo()).toEqual({ app: "app", key: firstKey });
    expect(twitch.titles.get(TWITCH_USER.id)).toBe("Any% in under an hour");

    // The streamer resets the key on Twitch; the ingest drops; the next connection asks Twitch again.
    const secondKey = twitch.rotateKey();
    await ingest.stop();
    const rotated = await startRtmpReceiver({ dir, name: "twitch-2", app: "app", key: secondKey, port: ingest.port });
    await rotated.connected;
    expect(rotated.publishedTo()).toEqual({ app: "app", key: secondKey });
    await waitFor(async () => (await health(linked.id)).state === "live", { what: "linked destination live again" });

    // The streamer removes Prism on Twitch: the next connection cannot get a key.
    twitch.oauth.revokeUser(TWITCH_USER.id);
    await rotated.stop();
    const failed = await waitFor(async () => {
      const h = await health(linked.id);
      return h.state === "failed" ? h : undefined;
    }, { what: "linked destination failed", timeoutMs: 15_000 });
    expect(failed.lastError).toMatch(/^The Twitch account Speedy_Streams must be connected again \(Twitch refused to refresh the access token: Invalid refresh token\): connect it under Accounts/);
    expect(needsReconnect).toEqual([expect.objectContaining({ accountId, platform: "twitch", displayName: "Speedy_Streams" })]);
    expect((await t.api("GET", `/api/v1/accounts/${accountId}`)).body).toMatchObject({ status: "needs_reconnect" });

    // The other destination never noticed.
    const before = (await health(plain.id)).bytesOut;
    await waitFor(async () => (await health(plain.id)).bytesOut > before + 20_000, { what: "other destination still streaming" });
    expect((await health(plain.id)).state).toBe("live");
    expect((await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body.live).toBe(true);

    await publisher.stop();
    const secrets = [...twitch.oauth.issued];
    expectNoSecretLeak(t, [...secrets, firstKey, secondKey]);
    await expectNotInDatabase(t.dataDir, secrets);
  });
});
