import { afterEach, describe, expect, it } from "vitest";
import { waitFor, type TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { decodeErrors, probeRecording } from "../support/probe.js";
import { makeCertificate, startTlsTerminator } from "../support/tls.js";
import { withTimeout } from "../support/children.js";
import { makeTempDir } from "../support/tmp.js";

describe("RTMPS", () => {
  let t!: TestPrism;
  let dir: string;
  let trusted: Awaited<ReturnType<typeof makeCertificate>>;
  const closers: Array<() => Promise<void>> = [];

  usePrism(
    (p) => (t = p),
    async () => {
      dir = await makeTempDir("prism-rtmps-");
      trusted = await makeCertificate(dir, "trusted");
      const ingest = await makeCertificate(dir, "ingest");
      // Prism trusts the receiver's self-signed certificate, and serves RTMPS with its own.
      return { PRISM_TLS_CA_FILE: trusted.certFile, PRISM_RTMPS_PORT: "0", PRISM_RTMPS_CERT_FILE: ingest.certFile, PRISM_RTMPS_KEY_FILE: ingest.keyFile };
    },
  );
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it("takes a publish over RTMPS and pushes it to an rtmps:// destination whose certificate it was told to trust", async () => {
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Secure" });
    expect(stream.secureIngestUrl).toBe(`rtmps://127.0.0.1:${t.prism.rtmpsPort}/live`);

    const receiver = await startRtmpReceiver({ dir, name: "secure" });
    const tlsFront = await startTlsTerminator({ cert: trusted.cert, key: trusted.key, targetPort: receiver.port });
    closers.push(tlsFront.close);
    const { body: dest } = await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, {
      name: "TLS ingest",
      url: `rtmps://127.0.0.1:${tlsFront.port}/${receiver.app}`,
      streamKey: receiver.key,
    });

    const publisher = publishTestStream({ url: `${stream.secureIngestUrl}/${stream.streamKey}`, durationSec: 6 });
    expect(await publisher.publishing).toBe(true);
    await waitFor(async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body.destinations[0].state === "live", { what: "rtmps destination live" });
    expect((await publisher.exited).code).toBe(0);
    await withTimeout(receiver.exited, 10_000, "receiver end");
    const rec = await probeRecording(receiver.file);
    expect(rec.video?.codec).toBe("h264");
    expect(rec.audio?.codec).toBe("aac");
    expect(rec.durationSec).toBeGreaterThanOrEqual(0.8 * 6);
    expect(await decodeErrors(receiver.file)).toEqual([]);
    expect(dest.url).toMatch(/^rtmps:/);
  });

  it("refuses a destination whose certificate nobody vouches for, and says why", async () => {
    const stranger = await makeCertificate(dir, "stranger");
    const receiver = await startRtmpReceiver({ dir, name: "untrusted" });
    const tlsFront = await startTlsTerminator({ cert: stranger.cert, key: stranger.key, targetPort: receiver.port });
    closers.push(tlsFront.close);
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Untrusted" });
    const { body: dest } = await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, {
      name: "Impostor",
      url: `rtmps://127.0.0.1:${tlsFront.port}/live`,
      streamKey: receiver.key,
    });
    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    const health = await waitFor(
      async () => {
        const d = (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body.destinations.find((x: { id: string }) => x.id === dest.id);
        return d.lastError ? d : undefined;
      },
      { what: "a TLS error" },
    );
    expect(health.state).toBe("reconnecting");
    // Like every failure before the RTMP handshake, it reads as "could not connect"; the log says why.
    expect(health.lastError).toMatch(/^Could not connect to rtmps:\/\/127\.0\.0\.1:\d+: no RTMP server accepted the connection/);
    expect(t.logs()).toMatch(/"detail":"TLS with rtmps:\/\/127\.0\.0\.1:\d+ failed: [^"]*(certificate|self.signed)/i);
    await publisher.stop();
  });
});
