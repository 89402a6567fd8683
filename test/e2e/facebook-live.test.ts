import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { decodeErrors, probeRecording } from "../support/probe.js";
import { makeCertificate, startTlsTerminator } from "../support/tls.js";
import { killAll, withTimeout } from "../support/children.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";
import { expectNoSecretLeak } from "../support/secrets.js";
import { FACEBOOK_PAGE, startFacebookFake, type FacebookFake } from "../fakes/facebook.js";
import { linkThroughBrowser } from "../oauth/support.js";

/**
 * Facebook Live end to end: ffmpeg publishes to Prism; Prism creates the Page's live video through
 * the fake Graph API and pushes to its secure_stream_url, an RTMPS server (TLS in front of a real
 * RTMP receiver) standing in for live-api-s.facebook.com:443; comments are read into the feed and
 * sent as the Page; the live video is ended when the stream ends.
 */
describe("going live on Facebook with a linked account", () => {
  let t: TestPrism;
  let fb: FacebookFake;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    fb = await startFacebookFake();
  });
  afterEach(async () => {
    await killAll();
    for (const close of closers.splice(0)) await close();
  });
  afterAll(async () => {
    await t?.stop();
    await fb.close();
    await removeTempDirs();
  });

  it("pushes over RTMPS to the live video's secure URL with the stream's title, carries the chat both ways, and ends the live video", async () => {
    const dir = await makeTempDir("prism-facebook-");
    const cert = await makeCertificate(dir, "facebook-ingest");
    const receiver = await startRtmpReceiver({ dir, name: "facebook", app: "rtmp" });
    const tlsFront = await startTlsTerminator({ cert: cert.cert, key: cert.key, targetPort: receiver.port });
    closers.push(tlsFront.close);
    fb.ingest.secureBase = `rtmps://127.0.0.1:${tlsFront.port}/rtmp`;
    t = await startTestPrism({ env: { ...fb.env(), PRISM_TLS_CA_FILE: cert.certFile, PRISM_FACEBOOK_CHAT_POLL_MS: "200" } });

    const { location } = await linkThroughBrowser(t, "facebook", fb.oauth);
    const accountId = location.searchParams.get("account")!;
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Facebook" });
    await t.api("PATCH", `/api/v1/streams/${stream.id}`, { title: "Cooking live: ramen from scratch", description: "Broth, noodles, toppings." });
    const { body: dest } = await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "facebook", accountId });
    expect(dest).toMatchObject({ platform: "facebook", accountId, url: "", streamKey: "" });

    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await publisher.publishing).toBe(true);
    const health = async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body.destinations.find((d: { id: string }) => d.id === dest.id);
    await waitFor(async () => (await health()).state === "live", { what: "the Facebook destination live", timeoutMs: 20_000 });
    await receiver.connected;
    const [video] = [...fb.liveVideos.values()];
    expect(video).toMatchObject({ pageId: FACEBOOK_PAGE.id, status: "LIVE", title: "Cooking live: ramen from scratch", description: "Broth, noodles, toppings." });
    expect(receiver.publishedTo()).toEqual({ app: "rtmp", key: video!.streamKey });

    // A viewer comments on Facebook; the streamer answers from Prism, as the Page.
    fb.comment(video!.id, { id: "5550001", name: "Hana Sato" }, "Is that tonkotsu?");
    const feed = await waitFor(async () => {
      const { body } = await t.api("GET", `/api/v1/streams/${stream.id}/comments`);
      return body.comments.length >= 1 ? body : undefined;
    }, { what: "the Facebook comment in the feed" });
    expect(feed.comments.map((c: any) => [c.platform, c.author.name, c.text])).toEqual([["facebook", "Hana Sato", "Is that tonkotsu?"]]);
    const sent = await t.api("POST", `/api/v1/streams/${stream.id}/comments`, { text: "Yes, 12 hours of it!" });
    expect(sent.body.results).toEqual([{ platform: "facebook", destinationId: dest.id, ok: true }]);
    expect(video!.comments.at(-1)).toMatchObject({ message: "Yes, 12 hours of it!", from: { id: FACEBOOK_PAGE.id } });
    const metrics = (await t.api("GET", "/metrics")).text;
    // The Page's own comment comes back through the reader too, as on every platform: one or two by now.
    expect(metrics).toMatch(/prism_comments_total\{[^}]*platform="facebook",outcome="shown"\} [12]\n/);
    expect(metrics).toMatch(/prism_chat_reader_state\{[^}]*platform="facebook",state="live"\} 1\n/);

    await new Promise((r) => setTimeout(r, 3_000));
    await publisher.stop();
    await waitFor(() => (video!.status === "VOD" ? true : undefined), { what: "end_live_video", timeoutMs: 15_000 });
    await withTimeout(receiver.exited, 15_000, "receiver end");
    const rec = await probeRecording(receiver.file);
    expect(rec.video?.codec).toBe("h264");
    expect(rec.audio?.codec).toBe("aac");
    expect(rec.durationSec).toBeGreaterThanOrEqual(2);
    expect(await decodeErrors(receiver.file)).toEqual([]);
    expectNoSecretLeak(t, [...fb.oauth.issued, video!.streamKey]);
  }, 90_000);
});
