import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { decodeErrors, probeRecording } from "../support/probe.js";
import { makeCertificate, startTlsTerminator } from "../support/tls.js";
import { killAll, withTimeout } from "../support/children.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";
import { expectNoSecretLeak } from "../support/secrets.js";
import { parseMetrics, value } from "../support/metrics.js";
import { KICK_USER, startKickFake, type KickFake } from "../fakes/kick.js";
import { expectNotInDatabase, linkThroughBrowser } from "../oauth/support.js";

describe("going live on Kick from a linked account, end to end", () => {
  let t: TestPrism | undefined;
  let kick: KickFake;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    kick = await startKickFake();
  });
  afterEach(async () => {
    await killAll();
    for (const close of closers.splice(0)) await close();
  });
  afterAll(async () => {
    await t?.stop();
    await kick.close();
    await removeTempDirs();
  });

  it("ffmpeg → Prism → Kick's RTMPS ingest with the URL and key Kick's API hands out; the title pushed to the channel", async () => {
    const dir = await makeTempDir("prism-kick-");
    const ca = await makeCertificate(dir, "kick-ingest");
    // A real RTMP receiver behind TLS stands in for Kick's RTMPS ingest (Amazon IVS); Kick's API hands out its address.
    const receiver = await startRtmpReceiver({ dir, name: "kick", app: "app", key: kick.stream.key });
    const tlsFront = await startTlsTerminator({ cert: ca.cert, key: ca.key, targetPort: receiver.port });
    closers.push(tlsFront.close);
    kick.stream.url = `rtmps://127.0.0.1:${tlsFront.port}/app/`;
    t = await startTestPrism({ env: { ...kick.env(), PRISM_TLS_CA_FILE: ca.certFile } });

    const { location } = await linkThroughBrowser(t, "kick", kick.oauth);
    const accountId = location.searchParams.get("account")!;
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Kick" });
    expect((await t.api("PATCH", `/api/v1/streams/${stream.id}`, { title: "Road to 100 followers" })).status).toBe(200);
    const { body: destination } = await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "kick", accountId });
    expect(destination).toMatchObject({ platform: "kick", accountId, url: "", streamKey: "" });

    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: 8 });
    expect(await publisher.publishing).toBe(true);
    await waitFor(async () => (await t!.api("GET", `/api/v1/streams/${stream.id}/health`)).body.destinations[0].state === "live", { what: "the Kick destination live" });
    await receiver.connected;
    expect(receiver.publishedTo()).toEqual({ app: "app", key: kick.stream.key });
    expect(kick.titles.get(KICK_USER.id)).toBe("Road to 100 followers");
    // Counted in the metrics like any destination.
    await waitFor(async () => value(parseMetrics((await t!.api("GET", "/metrics")).text), "prism_destination_sent_bytes_total", { destination_id: destination.id }) > 0, { what: "bytes sent to Kick in the metrics" });

    expect((await publisher.exited).code).toBe(0);
    await withTimeout(receiver.exited, 10_000, "receiver end");
    const recording = await probeRecording(receiver.file);
    expect(recording.video?.codec).toBe("h264");
    expect(recording.audio?.codec).toBe("aac");
    // The ingest is asked for once the publish starts (Kick's API, then TLS), and a live relay
    // joins at the next keyframe: the first seconds are not Kick's to receive. Most of it must be.
    expect(recording.durationSec).toBeGreaterThanOrEqual(4);
    expect(await decodeErrors(receiver.file)).toEqual([]);

    // The destination's key is Kick's secret: never shown, never stored readable.
    expectNoSecretLeak(t, [...kick.oauth.issued, kick.stream.key]);
    await expectNotInDatabase(t.dataDir, kick.oauth.issued);
  });
});
