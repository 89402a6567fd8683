import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream } from "../support/publisher.js";
import { closedPort, startRtmpReceiver } from "../support/receiver.js";
import { killAll } from "../support/children.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";
import { describeSettings } from "../../src/config.js";
import { runCli, spawnCli } from "./run-cli.js";

describe("prism CLI against a running Prism, over HTTP", () => {
  let t: TestPrism;
  let url: string;
  beforeAll(async () => {
    t = await startTestPrism();
    url = `http://127.0.0.1:${t.prism.httpPort}`;
  });
  afterEach(async () => {
    await killAll();
  });
  afterAll(async () => {
    await t.stop();
    await removeTempDirs();
  });

  const cli = (...args: string[]) => runCli(["--url", url, "--token", t.token, ...args]);

  it("creates, lists and re-keys streams", async () => {
    const created = await cli("stream", "create", "CLI main");
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(`Server:     rtmp://127.0.0.1:${t.prism.rtmpPort}/live`);
    const key = /Stream Key: (live_\S+)/.exec(created.stdout)?.[1];
    expect(key).toBeDefined();

    const list = await cli("stream", "list");
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/ID\s+NAME\s+LIVE\s+KEY/);
    expect(list.stdout).toContain("CLI main");
    expect(list.stdout).toContain(`••••••••${key!.slice(-4)}`);
    expect(list.stdout).not.toContain(key);

    const asJson = JSON.parse((await cli("--json", "stream", "list")).stdout) as Array<{ id: string; name: string }>;
    const stream = asJson.find((s) => s.name === "CLI main")!;
    const rotated = await cli("stream", "rotate-key", "CLI main");
    expect(rotated.code, rotated.stderr).toBe(0);
    const newKey = /: (live_\S+)/.exec(rotated.stdout)?.[1];
    expect(newKey).not.toBe(key);
    expect((await t.api("POST", `/api/v1/streams/${stream.id}/reveal-key`)).body.streamKey).toBe(newKey);

    const backupKey = /Backup Key: (live_\S+)/.exec(created.stdout)?.[1];
    expect(backupKey).toBeDefined();
    const rotatedBackup = await cli("stream", "rotate-key", "CLI main", "--backup");
    expect(rotatedBackup.code, rotatedBackup.stderr).toBe(0);
    const newBackup = /backup stream key for "CLI main": (live_\S+)/.exec(rotatedBackup.stdout)?.[1];
    expect(newBackup).toBeDefined();
    expect(newBackup).not.toBe(backupKey);
    expect((await t.api("POST", `/api/v1/streams/${stream.id}/reveal-key`)).body).toEqual({ streamKey: newKey, backupStreamKey: newBackup });
  });

  it("adds, lists, disables and enables destinations by name", async () => {
    await cli("stream", "create", "With destinations");
    const added = await cli("destination", "add", "With destinations", "--name", "Twitch", "--server", "rtmp://live.twitch.tv/app", "--key", "live_secret_dest_key_1");
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/Added "Twitch" .* enabled/);
    expect((await cli("destination", "add", "With destinations", "--name", "YouTube", "--server", "rtmp://a.rtmp.youtube.com/live2", "--key", "yt-key-2", "--disabled")).code).toBe(0);

    const list = await cli("destination", "list", "With destinations");
    expect(list.stdout).toMatch(/Twitch\s+yes\s+rtmp:\/\/live\.twitch\.tv\/app/);
    expect(list.stdout).toMatch(/YouTube\s+no/);
    expect(list.stdout).not.toContain("live_secret_dest_key_1");

    expect((await cli("destination", "disable", "With destinations", "Twitch")).stdout).toContain('"Twitch" on "With destinations" is disabled.');
    expect((await cli("destination", "enable", "With destinations", "YouTube")).stdout).toContain("is enabled.");
    const json = JSON.parse((await cli("--json", "destination", "list", "With destinations")).stdout) as Array<{ name: string; enabled: boolean }>;
    expect(json.map((d) => [d.name, d.enabled])).toEqual([
      ["Twitch", false],
      ["YouTube", true],
    ]);
  });

  it("creates a token with scopes that works against the API", async () => {
    const res = await cli("token", "create", "dashboard", "--scopes", "read");
    expect(res.code, res.stderr).toBe(0);
    const token = /^\s+(prism_\S+)$/m.exec(res.stdout)?.[1];
    expect(token).toBeDefined();
    expect((await t.api("GET", "/api/v1/streams", undefined, { token })).status).toBe(200);
    expect((await t.api("POST", "/api/v1/streams", { name: "x" }, { token })).status).toBe(403);
    const list = await cli("token", "list");
    expect(list.stdout).toMatch(/dashboard\s+read\s+/);
    expect(list.stdout).not.toContain(token);

    const bad = await cli("token", "create", "bad", "--scopes", "read,root");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/scopes\.1: .*"read"\|"write"\|"admin"/);

    const deleted = await cli("token", "delete", "dashboard");
    expect(deleted.stdout).toContain('Deleted token "dashboard".');
    expect((await t.api("GET", "/api/v1/streams", undefined, { token })).status).toBe(401);
  });

  it("shows live destination health in a table, once or refreshing until Ctrl-C", async () => {
    const dir = await makeTempDir("prism-cli-");
    const receiver = await startRtmpReceiver({ dir });
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Status" });
    await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "custom", name: "Local receiver", url: receiver.url, streamKey: receiver.key });
    await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "custom", name: "Nobody home", url: "rtmp://127.0.0.1:1/app", streamKey: "k" });
    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await publisher.publishing).toBe(true);
    await waitFor(async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body.destinations[0].state === "live", { what: "receiver live" });
    // A failed connection is reported only once the connect timeout has passed (see couldNotConnect).
    await waitFor(async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body.destinations[1].lastError !== null, { what: "nobody home's error" });

    const once = await cli("status", "Status", "--once");
    expect(once.code, once.stderr).toBe(0);
    expect(once.stdout).toMatch(/Status\s+\[LIVE\]\s+Live from OBS; every enabled destination gets OBS's stream\./);
    expect(once.stdout).toMatch(/in: \d+ kbps\s+\d+(\.\d)? fps\s+h264\/aac\s+320x240/i);
    expect(once.stdout).toMatch(/PRIMARY\s+● on air\s+\d+ kbps\s+[\d.]+ fps\s+H264\/AAC\s+320x240/);
    expect(once.stdout).toMatch(/BACKUP\s+○ not connected/);
    expect(once.stdout).toMatch(/DESTINATION\s+STATE\s+BITRATE\s+SENT\s+RECONNECTS\s+UPTIME\s+LAST ERROR/);
    expect(once.stdout).toMatch(/Local receiver\s+live\s+\d+ kbps\s+[\d.]+ (B|KiB|MiB)\s+0\s+\d+s/);
    expect(once.stdout).toMatch(/Nobody home\s+(reconnecting|connecting|failed)/);
    expect(once.stdout).toMatch(/Could not connect to rtmp:\/\/127\.0\.0\.1:1/);
    expect(once.stdout).not.toContain(receiver.key);
    expect(once.stdout).not.toMatch(/\x1b\[/); // no colour codes when stdout is not a terminal

    const live = spawnCli(["status", "--interval", "0.3"], { PRISM_URL: url, PRISM_TOKEN: t.token });
    await waitFor(() => (live.stdout().match(/Prism at /g) ?? []).length >= 3, { timeoutMs: 15_000, what: "three refreshed frames" });
    const exit = await live.stop("SIGINT", 3000);
    expect(exit.code, exit.stderr).toBe(0);
    expect(live.stdout()).toContain("Local receiver");
    await publisher.stop();
  });

  it("lists a stream's broadcast sessions and shows a report", async () => {
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "CLI sessions" });
    // The relay's session events, as it emits them (no publisher needed to list and show a session).
    const started = new Date(Date.now() - 65_000);
    t.prism.bus.emit("stream.started", { streamId: stream.id, sessionId: "cli-session-1", name: "CLI sessions", at: started.toISOString() });
    t.prism.bus.emit("stream.ended", { streamId: stream.id, sessionId: "cli-session-1", name: "CLI sessions", at: new Date().toISOString(), reason: "publisher stopped" });
    const list = await cli("session", "list", "CLI sessions");
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/ID\s+STARTED\s+DURATION\s+PEAK VIEWERS\s+CHAT/);
    expect(list.stdout).toMatch(/cli-session-1\s+\S+\s+1 min 0[45] s\s+-\s+0/);
    const show = await cli("session", "show", "cli-session-1");
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain("(publisher stopped)");
    expect(show.stdout).toContain("No destination went live.");
    expect(JSON.parse((await cli("--json", "session", "show", "cli-session-1")).stdout)).toMatchObject({ id: "cli-session-1", streamId: stream.id });
    const missing = await cli("session", "show", "no-such-session");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Broadcast session not found/);
  });

  it("says what went wrong and exits non-zero", async () => {
    const wrongToken = await runCli(["--url", url, "--token", "prism_not_a_real_token_000000000000", "stream", "list"]);
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.stderr).toMatch(/401.*not valid/);
    const closed = await closedPort();
    const unreachable = await runCli(["--url", `http://127.0.0.1:${closed}`, "--token", t.token, "stream", "list"]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(`Cannot reach Prism at http://127.0.0.1:${closed}: connection refused (is Prism running?)`);
    const unknown = await cli("destination", "list", "No such stream");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No stream "No such stream"\. Known: /);
    const noToken = await runCli(["--url", url, "stream", "list"], { PRISM_DATA_DIR: join(t.dataDir, "nowhere") });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/No API token: pass --token, set PRISM_TOKEN/);
    const usage = await runCli(["stream", "frobnicate"]);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});

describe("prism CLI defaults", () => {
  let t: TestPrism;
  beforeAll(async () => {
    t = await startTestPrism({ env: { PRISM_API_TOKEN: "" } });
  });
  afterAll(async () => {
    await t.stop();
  });

  it("finds Prism from PRISM_URL and the admin token in the data dir, also after rotating it", async () => {
    const env = { PRISM_URL: `http://127.0.0.1:${t.prism.httpPort}`, PRISM_DATA_DIR: t.dataDir };
    const res = await runCli(["stream", "list"], env);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain("No streams yet");

    const old = t.prism.adminToken.value;
    const rotated = await runCli(["token", "rotate-admin"], env);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toContain(t.prism.adminToken.value);
    expect(t.prism.adminToken.value).not.toBe(old);
    expect((await runCli(["stream", "list"], env)).code).toBe(0);
    expect((await runCli(["stream", "list"], { ...env, PRISM_TOKEN: old })).stderr).toMatch(/401/);
  });
});

describe("prism start", () => {
  it("--help lists every setting with its environment variable and config-file key", async () => {
    const res = await runCli(["start", "--help"]);
    expect(res.code).toBe(0);
    const names = describeSettings()
      .split("\n")
      .map((l) => l.trim().split(/\s+/).slice(0, 2));
    expect(names.length).toBeGreaterThan(20);
    for (const [env, key] of names) expect(res.stdout).toMatch(new RegExp(`${env}\\s+${key}\\s+\\S`));
    expect(res.stdout).toContain("--config <file>");
  });

  it("refuses a wrong configuration with one line per wrong value, from the file and the environment", async () => {
    const dir = await makeTempDir("prism-config-");
    const file = join(dir, "prism.config.json");
    writeFileSync(file, JSON.stringify({ rtmpPort: 70000, logLevel: "loud", httpPot: 8080, dataDir: dir }));
    const res = await runCli(["start", "--config", file], { PRISM_OUTPUT_QUEUE_MB: "lots" });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("Invalid configuration:");
    expect(res.stderr).toContain(`httpPot in ${file}: unknown setting`);
    expect(res.stderr).toContain(`rtmpPort in ${file}: PRISM_RTMP_PORT must be between 0 and 65535`);
    expect(res.stderr).toMatch(new RegExp(`logLevel in ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: .*"trace"`));
    expect(res.stderr).toContain("PRISM_OUTPUT_QUEUE_MB: PRISM_OUTPUT_QUEUE_MB must be a number");
    expect(res.stderr).toContain('Run "prism start --help" for every setting.');
    await removeTempDirs();
  });

  it("names an unreachable PostgreSQL without its password, for a cluster node and a single node alike", async () => {
    const dir = await makeTempDir("prism-no-pg-");
    const dataDir = join(dir, "data");
    const url = "postgres://prism:hunter2-secret@127.0.0.1:1/prism";
    // The store opens before the node joins the cluster: the unreachable PostgreSQL is what it says.
    const nats = await runCli(["start"], { PRISM_DATA_DIR: dataDir, PRISM_DATABASE_URL: url, PRISM_NATS_URL: "nats://127.0.0.1:1", PRISM_RTMP_PORT: "0", PRISM_HTTP_PORT: "0" });
    expect(nats.code).not.toBe(0);
    expect(nats.stderr).toContain("Cannot connect to PostgreSQL");
    expect(nats.stderr).not.toContain("hunter2-secret");
    // PRISM_DATABASE_URL alone runs a Prism on PostgreSQL (test/api runs on one in the "postgres" project): here none listens.
    const pgOnly = await runCli(["start"], { PRISM_DATA_DIR: dataDir, PRISM_DATABASE_URL: url, PRISM_RTMP_PORT: "0", PRISM_HTTP_PORT: "0" });
    expect(pgOnly.code).not.toBe(0);
    expect(pgOnly.stderr).toContain("Cannot connect to PostgreSQL");
    expect(pgOnly.stderr).toContain("check PRISM_DATABASE_URL");
    expect(pgOnly.stderr).not.toContain("hunter2-secret");
    expect(existsSync(join(dataDir, "prism.sqlite"))).toBe(false);
    await removeTempDirs();
  });
});
