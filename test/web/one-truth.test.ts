import { describe, expect, it } from "vitest";
import { usePrism } from "../support/lifecycle.js";
import { waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { makeTempDir } from "../support/tmp.js";
import { find, parseMetrics } from "../support/metrics.js";
import { runCli } from "../cli/run-cli.js";
import { ARTIFACTS, expectPng, logIn, useBrowser } from "./support.js";

/** The counters of one destination as one reporter tells them. */
interface Told {
  reconnects: number;
  attempt: number;
  lastError?: string | null;
  lastErrorAt?: string | null;
  lastErrorCurrent?: boolean;
}
const counters = ({ reconnects, attempt, lastError, lastErrorAt, lastErrorCurrent }: Told): Told => ({ reconnects, attempt, lastError, lastErrorAt, lastErrorCurrent });

/**
 * One truth: a scripted outage (a real receiver killed, then started again on its port) told by the
 * API health, the health SSE feed, `prism status --json`, /metrics, the webhooks' event log and the
 * dashboard in Chromium. Each reporter must tell the same numbers at the same moment.
 */
describe("one truth: every reporter tells the same counters through an outage", () => {
  let t!: TestPrism;
  // destination.failed after 3 s of reconnecting (the outage below lasts longer): by then at least two
  // retries were refused, so the reason it tells is the refusal every later retry meets too.
  usePrism((p) => (t = p), { PRISM_DESTINATION_FAILED_AFTER_MS: "3000" });
  const { consoleErrors, newPage } = useBrowser();

  it("API, SSE, CLI, /metrics, webhooks and dashboard agree on reconnects, attempt and lastError; the error becomes history once live again", async () => {
    const dir = await makeTempDir("prism-one-truth-");
    const steady = await startRtmpReceiver({ dir, name: "steady" });
    let flaky = await startRtmpReceiver({ dir, name: "flaky" });
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Truth" });
    await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "custom", name: "Steady", url: steady.url, streamKey: steady.key });
    const { body: dest } = await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "custom", name: "Flaky", url: flaky.url, streamKey: flaky.key });
    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await publisher.publishing).toBe(true);

    const health = async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body;
    const flakyHealth = async () => (await health()).destinations.find((d: { id: string }) => d.id === dest.id);
    await waitFor(async () => (await health()).destinations.every((d: { state: string }) => d.state === "live"), { timeoutMs: 20_000, what: "both destinations live" });

    const page = await newPage();
    await logIn(page, `http://127.0.0.1:${t.prism.httpPort}/`, t.token);
    await page.goto(`http://127.0.0.1:${t.prism.httpPort}/#/streams/${stream.id}`);
    const card = page.locator('article[data-destination="Flaky"]');
    await card.locator('[data-testid="state"]', { hasText: "live" }).waitFor({ timeout: 10_000 });

    /** Every reporter, asked at once; a retry meanwhile (attempt or lastErrorAt moved) means asking again. */
    async function everyone() {
      for (let round = 0; round < 4; round++) {
        const before = counters(await flakyHealth());
        const [sse, cli, metricsText, dashboard] = await Promise.all([
          sseHealth(t, stream.id).then((h) => counters(h.destinations.find((d: { id: string }) => d.id === dest.id))),
          runCli(["--url", `http://127.0.0.1:${t.prism.httpPort}`, "--token", t.token, "--json", "status", "Truth"]),
          t.api("GET", "/metrics").then((r) => r.text),
          dashboardCounters(),
        ]);
        const api = counters(await flakyHealth());
        if (JSON.stringify(api) !== JSON.stringify(before)) continue;
        expect(cli.code, cli.stderr).toBe(0);
        const samples = parseMetrics(metricsText);
        const labels = { stream_id: stream.id, destination_id: dest.id };
        const metrics = { reconnects: find(samples, "prism_destination_reconnects_total", labels)[0]?.value, attempt: find(samples, "prism_destination_retry_attempt", labels)[0]?.value };
        return { api, sse, cli: counters(JSON.parse(cli.stdout)[0].destinations.find((d: { id: string }) => d.id === dest.id)), metrics, dashboard };
      }
      throw new Error("the destination kept retrying while every reporter was asked");
    }
    async function dashboardCounters() {
      return {
        reconnects: Number(await card.locator('[data-testid="reconnects"]').textContent()),
        attempt: (await card.locator('[data-testid="attempt"]').count()) ? Number((await card.locator('[data-testid="attempt"]').textContent())!.replace("#", "")) : 0,
        lastError: await card.locator('[data-testid="last-error"]').textContent(),
        history: (await card.locator('[data-testid="last-error"].history').count()) === 1,
      };
    }

    // The outage: the receiver is killed; Prism retries with backoff.
    const port = flaky.port;
    await flaky.stop(0);
    flaky.process.kill("SIGKILL");
    // Far from a retry: the next one is at least 5 s away, so every reporter below reads the same attempt.
    const during = await waitFor(
      async () => {
        const h = await flakyHealth();
        return h.state === "reconnecting" && h.attempt >= 4 && Date.parse(h.nextRetryAt) - Date.now() > 5_000 ? h : null;
      },
      { timeoutMs: 40_000, intervalMs: 100, what: "a retry of the outage at least 5 s away" },
    );
    await card.locator('[data-testid="attempt"]', { hasText: `#${during.attempt}` }).waitFor({ timeout: 3_000 });
    const told = await everyone();
    expect(during.lastErrorCurrent).toBe(true);
    expect(during.reconnects).toBe(0); // it has not come back yet
    for (const who of [told.sse, told.cli]) expect(who).toEqual(told.api);
    expect(told.api.attempt).toBe(during.attempt);
    expect(told.metrics).toEqual({ reconnects: 0, attempt: during.attempt });
    expect(told.dashboard.reconnects).toBe(0);
    expect(told.dashboard.attempt).toBe(during.attempt);
    expect(told.dashboard.lastError).toContain(during.lastError);
    expect(told.dashboard.history).toBe(false);
    const failed = await waitFor(async () => (await t.api("GET", "/api/v1/events?type=destination.failed")).body.find((e: any) => e.data.destinationId === dest.id), { what: "destination.failed" });
    // It tells the destination's lastError at the moment it was announced: the last error the log had by then.
    const errorsBefore = flakyLog(t).filter((l) => l.reason && l.time <= Date.parse(failed.createdAt));
    expect(failed.data.reason).toBe(errorsBefore.at(-1)!.reason);
    expect(Date.parse(failed.data.since)).toBeLessThanOrEqual(Date.parse(during.lastErrorAt));
    await page.screenshot({ path: `${ARTIFACTS}/one-truth-outage.png`, fullPage: true });

    // Back: a receiver on the same port; the next retry gets through.
    flaky = await startRtmpReceiver({ dir, name: "flaky-again", port, key: flaky.key });
    const after = await waitFor(async () => ((await flakyHealth()).state === "live" ? flakyHealth() : null), { timeoutMs: 30_000, what: "the destination back" });
    await card.locator('[data-testid="last-error"].history').waitFor({ timeout: 5_000 });
    await card.locator('[data-testid="reconnects"]', { hasText: "1" }).waitFor({ timeout: 3_000 });
    const back = await everyone();
    expect(after).toMatchObject({ reconnects: 1, attempt: 0, lastErrorCurrent: false, lastError: during.lastError });
    for (const who of [back.api, back.sse, back.cli]) expect(who).toEqual(counters(after));
    expect(back.metrics).toEqual({ reconnects: 1, attempt: 0 });
    expect(back.dashboard).toMatchObject({ reconnects: 1, attempt: 0, history: true });
    expect(back.dashboard.lastError).toContain(during.lastError);
    const recovered = await waitFor(async () => (await t.api("GET", "/api/v1/events?type=destination.recovered")).body.find((e: any) => e.data.destinationId === dest.id), { what: "destination.recovered" });
    expect(recovered.data.reconnects).toBe(1);
    // The steady one was never touched.
    expect(counters((await health()).destinations.find((d: { name: string }) => d.name === "Steady"))).toEqual({ reconnects: 0, attempt: 0, lastError: null, lastErrorAt: null, lastErrorCurrent: false });
    await page.screenshot({ path: `${ARTIFACTS}/one-truth-recovered.png`, fullPage: true });
    expectPng(`${ARTIFACTS}/one-truth-recovered.png`);

    // The log told the outage once at each change of state, not once per refused retry.
    const lines = flakyLog(t);
    expect(lines.filter((l) => l.level >= 40).map((l) => l.msg)).toEqual(["destination connection lost; reconnecting"]);
    expect(lines.filter((l) => l.msg === "destination back after a drop")).toHaveLength(1);
    expect(lines.filter((l) => l.msg === "destination retry failed").length).toBeGreaterThanOrEqual(during.attempt - 1);

    await publisher.stop();
    expect(consoleErrors).toEqual([]);
  }, 150_000);
});

/** The log lines about the destination "Flaky". */
const flakyLog = (t: TestPrism) =>
  t
    .logs()
    .split("\n")
    .filter((l) => l.includes('"destination":"Flaky"'))
    .map((l) => JSON.parse(l) as { level: number; time: number; msg: string; reason?: string });

/** The first `health` event of the SSE feed. */
async function sseHealth(t: TestPrism, streamId: string): Promise<any> {
  const controller = new AbortController();
  const res = await fetch(`http://127.0.0.1:${t.prism.httpPort}/api/v1/streams/${streamId}/health/stream`, { headers: { authorization: `Bearer ${t.token}` }, signal: controller.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the feed ended before a health event: ${text}`);
      text += decoder.decode(value, { stream: true });
      const match = /event: health\ndata: (.*)\n\n/.exec(text);
      if (match) return JSON.parse(match[1]!);
    }
  } finally {
    controller.abort();
  }
}
