import { describe, expect, it } from "vitest";
import { waitFor, type TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { makeTempDir } from "../support/tmp.js";
import { childProcesses } from "../support/packets.js";
import { find, parseMetrics, value } from "../support/metrics.js";

describe("Prometheus /metrics", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p));

  const scrape = async (token?: string | null) => {
    const res = await t.api("GET", "/metrics", undefined, { token });
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    return { text: res.text, samples: parseMetrics(res.text) };
  };

  it("needs a token with the read scope", async () => {
    const anonymous = await t.api("GET", "/metrics", undefined, { token: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe("unauthorized");
    const { body: reader } = await t.api("POST", "/api/v1/tokens", { name: "prometheus", scopes: ["read"] });
    const { samples } = await scrape(reader.token);
    expect(find(samples, "process_cpu_seconds_total")).toHaveLength(1);
    expect(value(samples, "prism_streams_live")).toBe(0);
  });

  it("reports ingest and per-destination health of a real live stream by name, never a key", async () => {
    const dir = await makeTempDir("prism-metrics-");
    const [a, b] = await Promise.all([startRtmpReceiver({ dir, name: "a" }), startRtmpReceiver({ dir, name: "b" })]);
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Metrics main" });
    const add = async (name: string, r: typeof a) =>
      (await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "custom", name, url: r.url, streamKey: r.key })).body.id as string;
    const twitch = await add("Twitch", a);
    const youtube = await add("YouTube", b);

    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity, videoBitrateKbps: 400 });
    expect(await publisher.publishing).toBe(true);
    await waitFor(
      async () => {
        const h = (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body;
        // The rate meters need a moment of media before they read the full rate.
        return h.ingest?.bitrateKbps > 200 && h.ingest?.fps > 20 && h.destinations.every((d: { state: string; bitrateKbps: number }) => d.state === "live" && d.bitrateKbps > 200);
      },
      { timeoutMs: 15_000, what: "both destinations live with a measured bitrate" },
    );

    const { text, samples } = await scrape();
    const s = { stream: "Metrics main", stream_id: stream.id };
    expect(value(samples, "prism_streams_live")).toBe(1);
    expect(value(samples, "prism_ingest_bitrate_bits_per_second", s)).toBeGreaterThan(100_000);
    expect(value(samples, "prism_ingest_frames_per_second", s)).toBeGreaterThan(5);
    expect(value(samples, "prism_ingest_uptime_seconds", s)).toBeGreaterThan(0);
    expect(value(samples, "prism_stream_starts_total", s)).toBe(1);
    for (const [name, id] of [
      ["Twitch", twitch],
      ["YouTube", youtube],
    ]) {
      const d = { ...s, destination: name!, destination_id: id! };
      expect(value(samples, "prism_destination_state", { ...d, state: "live" })).toBe(1);
      expect(find(samples, "prism_destination_state", d).filter((x) => x.value === 1)).toHaveLength(1);
      expect(value(samples, "prism_destination_bitrate_bits_per_second", d)).toBeGreaterThan(100_000);
      expect(value(samples, "prism_destination_sent_bytes_total", d)).toBeGreaterThan(10_000);
      expect(value(samples, "prism_destination_uptime_seconds", d)).toBeGreaterThan(0);
    }
    expect(find(samples, "prism_http_request_duration_seconds_count", { route: "/api/v1/streams/:id/health", method: "GET", status: "200" })[0]?.value).toBeGreaterThan(0);
    for (const secret of [stream.streamKey, a.key, b.key, t.token]) expect(text).not.toContain(secret);

    // A destination that drops is retrying (attempt ≥ 1), and only that one; a reconnect counts once it is back
    // (test/e2e/one-truth.test.ts follows a whole outage).
    await b.stop(0);
    b.process.kill("SIGKILL");
    await waitFor(
      async () => {
        const after = parseMetrics((await t.api("GET", "/metrics")).text);
        return (find(after, "prism_destination_retry_attempt", { destination: "YouTube" })[0]?.value ?? 0) >= 1;
      },
      { timeoutMs: 15_000, what: "YouTube retrying" },
    );
    const after = (await scrape()).samples;
    expect(value(after, "prism_destination_retry_attempt", { destination: "Twitch" })).toBe(0);
    expect(value(after, "prism_destination_reconnects_total", { destination: "YouTube" })).toBe(0);
    expect(value(after, "prism_destination_reconnects_total", { destination: "Twitch" })).toBe(0);
    expect(value(after, "prism_destination_state", { destination: "Twitch", state: "live" })).toBe(1);
    expect(value(after, "prism_destination_state", { destination: "YouTube", state: "live" })).toBe(0);

    await publisher.stop();
    await waitFor(async () => value((await scrape()).samples, "prism_streams_live") === 0, { what: "stream ended" });
    expect(find((await scrape()).samples, "prism_destination_state", { destination: "Twitch" })).toEqual([]);
  });
});

describe("transcoder metrics", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p));

  it("show which destinations are re-encoded, how fast, and count an ffmpeg restart", async () => {
    const dir = await makeTempDir("prism-metrics-transcode-");
    const receiver = await startRtmpReceiver({ dir });
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Transcoded" });
    const add = await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, {
      platform: "custom",
      name: "Small",
      url: receiver.url,
      streamKey: receiver.key,
      transcode: { width: 160, height: 120, videoKbps: 150 },
    });
    expect(add.status, add.text).toBe(201);
    const labels = { stream: "Transcoded", destination: "Small" };
    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await publisher.publishing).toBe(true);
    const scrape = async () => parseMetrics((await t.api("GET", "/metrics")).text);
    await waitFor(async () => (find(await scrape(), "prism_transcoder_speed_ratio", labels)[0]?.value ?? 0) > 0, { timeoutMs: 20_000, what: "ffmpeg encoding" });
    let samples = await scrape();
    expect(value(samples, "prism_destination_transcoding", labels)).toBe(1);
    expect(value(samples, "prism_transcoder_restarts_total", labels)).toBe(0);

    const ffmpegs = childProcesses("pipe:0", "libx264");
    expect(ffmpegs).toHaveLength(1);
    process.kill(ffmpegs[0]!, "SIGKILL");
    await waitFor(async () => find(await scrape(), "prism_transcoder_restarts_total", labels)[0]?.value === 1, { timeoutMs: 15_000, what: "the restart counted" });
    samples = await scrape();
    expect(value(samples, "prism_destination_transcoding", labels)).toBe(1);
    await publisher.stop();
  });
});

describe("/metrics with PRISM_METRICS_PUBLIC=true", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p), { PRISM_METRICS_PUBLIC: "true" });

  it("answers without a token and says so in the OpenAPI document", async () => {
    const res = await t.api("GET", "/metrics", undefined, { token: null });
    expect(res.status).toBe(200);
    expect(res.text).toContain("prism_streams_live 0");
    const doc = (await t.api("GET", "/api/v1/openapi.json", undefined, { token: null })).body;
    expect(doc.paths["/metrics"].get.security).toEqual([]);
    expect((await t.api("GET", "/api/v1/streams", undefined, { token: null })).status).toBe(401);
  });
});
