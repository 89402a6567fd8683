import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { startHttpReceiver } from "../webhooks/http-receiver.js";
import { killAll } from "../support/children.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";
import { freePort } from "../support/ports.js";
import { runCli, spawnCli } from "./run-cli.js";
import { formatTime, userLocale } from "../../src/cli/time.js";

describe("prism status and every API resource from the CLI", () => {
  let t: TestPrism;
  let url: string;
  beforeAll(async () => {
    t = await startTestPrism({ env: { PRISM_WEBHOOK_ALLOW_PRIVATE: "true" } });
    url = `http://127.0.0.1:${t.prism.httpPort}`;
  });
  afterEach(async () => {
    await killAll();
  });
  afterAll(async () => {
    await t.stop();
    await removeTempDirs();
  });

  // A plain C locale, as in containers and CI: Node would write en-US 12-hour times there.
  const cli = (...args: string[]) => runCli(["--url", url, "--token", t.token, ...args], { LANG: "C.UTF-8", LC_ALL: "", LC_TIME: "" });

  it("status --once during the slate says so first, in words, with the countdown", async () => {
    const dir = await makeTempDir("prism-cli-slate-");
    const receiver = await startRtmpReceiver({ dir });
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Slate show" });
    await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "custom", name: "Receiver", url: receiver.url, streamKey: receiver.key });
    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await publisher.publishing).toBe(true);
    await waitFor(async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body.destinations[0].state === "live", { timeoutMs: 20_000, what: "receiver live" });

    const live = await cli("status", "Slate show", "--once");
    expect(live.stdout).toMatch(/Slate show\s+\[LIVE\]\s+Live from OBS/);

    // OBS crashes: no goodbye, the connection just drops.
    publisher.process.kill("SIGKILL");
    await waitFor(async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body.ingestState === "slate", { what: "the slate on" });
    const once = await cli("status", "Slate show", "--once");
    expect(once.code, once.stderr).toBe(0);
    const lines = once.stdout.split("\n");
    const first = lines.findIndex((l) => l.startsWith("Slate show"));
    // The ingest's state is the stream's first line, before its figures and its destinations.
    expect(lines[first]).toMatch(/^Slate show\s+SLATE\s+OBS is gone — showing the slate; the stream ends in [45]:\d\d unless it comes back\.$/);
    const [, m, s] = /ends in (\d):(\d\d)/.exec(lines[first]!)!;
    const countdown = Number(m) * 60 + Number(s);
    expect(countdown).toBeGreaterThan(240);
    expect(countdown).toBeLessThanOrEqual(300);
    expect(lines.slice(first).join("\n")).toMatch(/Receiver\s+live/); // destinations stay connected, on the slate
    // The clock in the header is 24-hour in a C locale, never "AM"/"PM".
    expect(once.stdout).toMatch(/Prism at \S+\s+\d\d:\d\d:\d\d\n/);
    expect(once.stdout).not.toMatch(/\b[AP]M\b/);

    const json = JSON.parse((await cli("--json", "status", "Slate show")).stdout);
    expect(json[0]).toMatchObject({ ingestState: "slate", ingestStatus: { tone: "alert", headline: "OBS is gone — showing the slate" } });
    expect(json[0].ingestStatus.endsInSec).toBeGreaterThan(240);
  }, 120_000);

  it("streams: show, reveal-key, rename, delete (with --yes); destinations: edit and remove; all with --json", async () => {
    const created = JSON.parse((await cli("--json", "stream", "create", "Parity")).stdout);
    const shown = await cli("stream", "show", "Parity");
    expect(shown.stdout).toContain(`Parity (${created.id})  offline`);
    expect(shown.stdout).not.toContain(created.streamKey);
    expect(JSON.parse((await cli("--json", "stream", "show", created.id)).stdout).id).toBe(created.id);
    const revealed = await cli("stream", "reveal-key", "Parity");
    expect(revealed.stdout).toContain(created.streamKey);
    expect(JSON.parse((await cli("--json", "stream", "reveal-key", "Parity")).stdout)).toEqual({ streamKey: created.streamKey, backupStreamKey: created.backupStreamKey });
    expect((await cli("stream", "rename", "Parity", "Parity 2")).stdout).toContain('Renamed "Parity" to "Parity 2".');

    await cli("destination", "add", "Parity 2", "--name", "Dest", "--server", "rtmp://live.example.com/app", "--key", "dest-key-1234");
    const edited = JSON.parse((await cli("--json", "destination", "edit", "Parity 2", "Dest", "--name", "Dest renamed", "--server", "rtmp://other.example.com/live", "--transcode", "copy")).stdout);
    expect(edited).toMatchObject({ name: "Dest renamed", url: "rtmp://other.example.com/live", transcode: "copy" });
    const nothing = await cli("destination", "edit", "Parity 2", "Dest renamed");
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain("Nothing to change");
    const badTranscode = await cli("destination", "edit", "Parity 2", "Dest renamed", "--transcode", "fast please");
    expect(badTranscode.stderr).toContain("--transcode takes copy, auto or a JSON profile");
    expect((await cli("destination", "remove", "Parity 2", "Dest renamed")).stdout).toContain('Removed "Dest renamed" from "Parity 2".');
    expect((await t.api("GET", `/api/v1/streams/${created.id}/destinations`)).body).toEqual([]);

    const refused = await cli("stream", "delete", "Parity 2");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("Run again with --yes");
    expect((await t.api("GET", `/api/v1/streams/${created.id}`)).status).toBe(200);
    expect(JSON.parse((await cli("--json", "stream", "delete", "Parity 2", "--yes")).stdout)).toEqual({ deleted: created.id });
    expect((await t.api("GET", `/api/v1/streams/${created.id}`)).status).toBe(404);
  }, 240_000);

  it("webhooks (create, list, show, test, deliveries, redeliver, delete) and the event log, each with --json", async () => {
    const receiver = await startHttpReceiver();
    try {
      const created = await cli("webhook", "create", "--to", `${receiver.url}/hook`, "--events", "stream.started,destination.failed", "--description", "CLI hook");
      expect(created.code, created.stderr).toBe(0);
      expect(created.stdout).toMatch(/Signing secret: \S{16,}/);
      const [hook] = JSON.parse((await cli("--json", "webhook", "list")).stdout);
      expect(hook).toMatchObject({ description: "CLI hook", events: ["stream.started", "destination.failed"] });
      expect((await cli("webhook", "list")).stdout).toMatch(/stream\.started,destination\.failed\s+CLI hook/);
      expect((await cli("webhook", "show", "CLI hook")).stdout).toContain(`${hook.id}  standard`);

      const tested = await cli("webhook", "test", hook.id, "--type", "destination.failed");
      expect(tested.code, tested.stderr).toBe(0);
      expect(tested.stdout).toMatch(/Delivered a test destination\.failed/);
      // The first test's stream may still be on the slate with its receiver gone: a real destination.failed
      // can arrive too. The test-fire is the one delivery marked test.
      const deliveries = JSON.parse((await cli("--json", "webhook", "deliveries", hook.id)).stdout).filter((d: { test: boolean }) => d.test);
      expect(deliveries).toHaveLength(1);
      expect(deliveries[0]).toMatchObject({ eventType: "destination.failed", status: "delivered", test: true });
      expect((await cli("webhook", "deliveries", hook.id, "--status", "delivered")).stdout).toMatch(/destination\.failed \(test\)\s+delivered\s+1 \(HTTP 2\d\d\)/);
      const again = await cli("webhook", "redeliver", hook.id, deliveries[0].id);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain(`Queued ${deliveries[0].id}`);

      // The event log: a stream going live is in it.
      const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Logged" });
      const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
      expect(await publisher.publishing).toBe(true);
      await waitFor(async () => (await t.api("GET", "/api/v1/events?type=stream.started")).body.some((e: any) => e.data.streamId === stream.id), { what: "stream.started logged" });
      const events = JSON.parse((await cli("--json", "log", "list", "--type", "stream.started")).stdout);
      expect(events.some((e: any) => e.data.streamName === "Logged")).toBe(true);
      expect((await cli("log", "list", "--limit", "5")).stdout).toMatch(/stream\.started\s+streamName=Logged/);
      expect((await cli("log", "list", "--limit", "0")).stderr).toContain("--limit takes a whole number from 1");
      expect((await cli("log", "types")).stdout).toContain("destination.recovered\n  A destination that was announced as failed is live again.");
      expect(JSON.parse((await cli("--json", "log", "types")).stdout).length).toBeGreaterThan(5);
      await publisher.stop();

      expect(JSON.parse((await cli("--json", "webhook", "delete", hook.id)).stdout)).toEqual({ deleted: hook.id });
      expect((await cli("webhook", "show", hook.id)).stderr).toMatch(/No webhook/);
    } finally {
      await receiver.close();
    }
  }, 240_000);
});

describe("the start-up banner", () => {
  afterEach(async () => {
    await killAll();
    await removeTempDirs();
  });

  it("shows the dashboard URL and every stream by name", async () => {
    const dataDir = await makeTempDir("prism-banner-");
    const env = async () => ({ PRISM_HOST: "127.0.0.1", PRISM_RTMP_PORT: String(await freePort()), PRISM_HTTP_PORT: String(await freePort()), PRISM_DATA_DIR: dataDir, PRISM_API_TOKEN: "banner-token-0123456789abcdef", PRISM_LOG_LEVEL: "warn" });
    const startOnce = async () => {
      const e = await env();
      const prism = spawnCli(["start"], e);
      await waitFor(() => prism.stdout().includes("API docs:"), { timeoutMs: 30_000, what: "the banner" });
      return { prism, e };
    };
    const first = await startOnce();
    expect(first.prism.stdout()).toContain(`Dashboard:    http://127.0.0.1:${first.e.PRISM_HTTP_PORT}/`);
    await fetch(`http://127.0.0.1:${first.e.PRISM_HTTP_PORT}/api/v1/streams`, { method: "POST", headers: { authorization: `Bearer ${first.e.PRISM_API_TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ name: "Second show" }) });
    expect((await first.prism.stop("SIGTERM", 10_000)).code).toBe(0);

    const second = await startOnce();
    const banner = second.prism.stdout();
    expect(banner).toContain(`Dashboard:    http://127.0.0.1:${second.e.PRISM_HTTP_PORT}/`);
    expect(banner).toMatch(/Stream Keys:.*\n\s+My stream\s+\S+\n\s+Second show\s+\S+/);
    // Not a terminal: keys are masked, and the banner says how to see them.
    expect(banner).toContain("prism stream reveal-key <name>");
    expect(banner).not.toMatch(/live_[A-Za-z0-9_-]{20,}/);
  }, 90_000);
});

describe("times follow the user's locale", () => {
  const at = "2026-12-06T14:03:12Z";
  it("a 24-hour clock for C/POSIX, the locale's own otherwise, LC_TIME before LANG", () => {
    const local = new Date(at);
    const hh = String(local.getHours()).padStart(2, "0");
    expect(userLocale({ LANG: "C.UTF-8" })).toBeUndefined();
    expect(userLocale({})).toBeUndefined();
    expect(formatTime(at, { LANG: "C.UTF-8" })).toBe(`${hh}:${String(local.getMinutes()).padStart(2, "0")}:12`);
    expect(formatTime(at, { LANG: "de_DE.UTF-8" })).toMatch(new RegExp(`^${hh}:\\d\\d:12$`));
    expect(formatTime(at, { LANG: "en_US.UTF-8" })).toMatch(/[AP]M$/);
    expect(userLocale({ LANG: "en_US.UTF-8", LC_TIME: "en_GB.UTF-8" })).toBe("en-GB");
    expect(userLocale({ LC_ALL: "fr_FR.UTF-8", LANG: "en_US.UTF-8" })).toBe("fr-FR");
  });
});
