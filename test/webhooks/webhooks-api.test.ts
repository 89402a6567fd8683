import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";
import { withPrismDatabase } from "../support/db.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";
import { startHttpReceiver, type HttpReceiver } from "./http-receiver.js";
import { otherExamplePlatform } from "../../src/api/platform-examples.js";

/** Delays short enough for tests; the defaults (5 s → 1 h for 24 h) are the same code with other numbers. */
const FAST_RETRIES = {
  PRISM_WEBHOOK_ALLOW_PRIVATE: "true",
  PRISM_WEBHOOK_RETRY_INITIAL_MS: "150",
  PRISM_WEBHOOK_RETRY_MAX_MS: "600",
  PRISM_WEBHOOK_RETRY_FOR_MS: "60000",
  PRISM_WEBHOOK_TIMEOUT_MS: "15000",
};

type Verify = (rawBody: string, header: unknown, secret: string, toleranceSec?: number) => boolean;

/** The README's verification recipe, exactly as documented, loaded as a module. */
async function documentedVerifier(): Promise<Verify> {
  const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
  const block = /<!-- signature-recipe:start -->\s*```js\n([\s\S]*?)```\s*<!-- signature-recipe:end -->/.exec(readme);
  if (!block) throw new Error("README.md has no signature recipe between the signature-recipe markers");
  const file = join(await mkdtemp(join(tmpdir(), "prism-recipe-")), "verify.mjs");
  await writeFile(file, block[1]!);
  return ((await import(pathToFileURL(file).href)) as { verifyPrismSignature: Verify }).verifyPrismSignature;
}

/** Everything the test Prism stored, as text: what someone who copied the database would see (test/support/db.ts). */
const databaseBytes = (dataDir: string) => withPrismDatabase(dataDir, (db) => db.storedText());

let streamCounter = 0;
const fakeStreamId = () => `stream-${process.pid}-${++streamCounter}`;

describe("webhooks: subscriptions, signed at-least-once delivery, event log", () => {
  let t: TestPrism;
  const receivers: HttpReceiver[] = [];
  const receiver = async (...args: Parameters<typeof startHttpReceiver>) => {
    const r = await startHttpReceiver(...args);
    receivers.push(r);
    return r;
  };

  beforeAll(async () => {
    t = await startTestPrism({ env: FAST_RETRIES });
  });
  afterEach(async () => {
    // Unsubscribe what a test left behind: its receivers are gone, and a later receiver could get their port.
    for (const { id } of (await t.api("GET", "/api/v1/webhooks")).body) await t.api("DELETE", `/api/v1/webhooks/${id}`);
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });
  afterAll(async () => {
    await t.stop();
    await removeTempDirs();
  });

  async function subscribe(body: Record<string, unknown>, on: TestPrism = t) {
    const res = await on.api("POST", "/api/v1/webhooks", body);
    expect(res.status, res.text).toBe(201);
    return res.body as { id: string; secret: string; url: string | null };
  }
  const deliveries = async (id: string, on: TestPrism = t) => (await on.api("GET", `/api/v1/webhooks/${id}/deliveries`)).body as any[];
  const startStream = (streamId: string, name = "Friday speedrun", on: TestPrism = t) =>
    on.prism.bus.emit("stream.started", { streamId, sessionId: "session-1", name, at: new Date().toISOString() });

  it("signs every delivery so that the README's recipe verifies it, and rejects tampering and replays", async () => {
    const verify = await documentedVerifier();
    const r = await receiver();
    const sub = await subscribe({ url: `${r.url}/hooks/prism`, events: ["stream.started"] });
    expect(sub.secret).toMatch(/^prism_whsec_/);
    const streamId = fakeStreamId();
    startStream(streamId);

    const [req] = await r.waitForRequests(1);
    expect(req!.path).toBe("/hooks/prism");
    expect(req!.headers["content-type"]).toBe("application/json");
    const event = JSON.parse(req!.body);
    expect(Object.keys(event).sort()).toEqual(["createdAt", "data", "id", "type"]);
    expect(event).toMatchObject({ type: "stream.started", data: { streamId, streamName: "Friday speedrun" } });
    expect(event.id).toMatch(/^evt_[0-9a-f]{32}$/);
    expect(req!.headers["prism-event-id"]).toBe(event.id);
    expect(req!.headers["prism-event-type"]).toBe("stream.started");
    expect(req!.headers["prism-delivery-attempt"]).toBe("1");

    const header = String(req!.headers["prism-signature"]);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verify(req!.body, header, sub.secret)).toBe(true);
    expect(verify(req!.body.replace("Friday", "Monday"), header, sub.secret)).toBe(false);
    expect(verify(req!.body, header, "prism_whsec_some-other-secret-000")).toBe(false);
    expect(verify(req!.body, undefined, sub.secret)).toBe(false);
    // A captured request replayed more than 5 minutes later fails, even with its valid signature.
    const realNow = Date.now;
    Date.now = () => realNow() + 301_000;
    try {
      expect(verify(req!.body, header, sub.secret)).toBe(false);
    } finally {
      Date.now = realNow;
    }

    // A secret of the subscriber's own choosing works the same way.
    const own = await subscribe({ url: r.url, events: ["stream.ended"], secret: "my-own-secret-0123456789" });
    expect(own.secret).toBe("my-own-secret-0123456789");
    t.prism.bus.emit("stream.ended", { streamId, sessionId: "session-1", name: "Friday speedrun", at: new Date().toISOString(), reason: "publisher disconnected" });
    const [, ended] = await r.waitForRequests(2);
    expect(JSON.parse(ended!.body)).toMatchObject({ type: "stream.ended", data: { streamId, reason: "publisher disconnected", durationSec: expect.any(Number) } });
    expect(verify(ended!.body, ended!.headers["prism-signature"], own.secret)).toBe(true);
  });

  it("retries a receiver that fails 3 times with 500 and has the event acknowledged exactly once", async () => {
    const r = await receiver((_req, i) => (i < 3 ? 500 : 200));
    const sub = await subscribe({ url: r.url, events: ["stream.started"] });
    startStream(fakeStreamId());

    const requests = await r.waitForRequests(4);
    // Well past several more retry delays: nothing more may come once the 200 was received.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(r.requests).toHaveLength(4);
    expect(new Set(requests.map((q) => q.headers["prism-event-id"])).size).toBe(1);
    expect(new Set(requests.map((q) => q.headers["prism-delivery-id"])).size).toBe(1);
    expect(requests.map((q) => q.headers["prism-delivery-attempt"])).toEqual(["1", "2", "3", "4"]);
    // Backoff: each wait at least as long as the jittered doubling allows.
    const gaps = requests.slice(1).map((q, i) => q.at - requests[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(150 * 0.8 - 20);
    expect(gaps[1]).toBeGreaterThanOrEqual(300 * 0.8 - 20);

    const [delivery] = await deliveries(sub.id);
    expect(delivery).toMatchObject({ status: "delivered", lastStatusCode: 200, lastError: null, nextAttemptAt: null, test: false });
    expect(delivery.attempts.map((a: any) => [a.attempt, a.statusCode])).toEqual([[1, 500], [2, 500], [3, 500], [4, 200]]);
    expect(delivery.attempts[0].error).toBe("The receiver answered HTTP 500.");
    for (const a of delivery.attempts) expect(a.latencyMs).toBeGreaterThanOrEqual(0);
    expect(delivery.event.id).toBe(requests[0]!.headers["prism-event-id"]);

    // The same story in the metrics: three failures that will be retried, one success, nothing waiting.
    const metrics = (await t.api("GET", "/metrics")).text;
    const value = (line: string) => Number(new RegExp(`^${line.replace(/[{}.]/g, "\\$&")} (\\S+)$`, "m").exec(metrics)?.[1]);
    expect(value('prism_webhook_attempts_total{event_type="stream.started",outcome="retrying"}')).toBeGreaterThanOrEqual(3);
    expect(value('prism_webhook_attempts_total{event_type="stream.started",outcome="delivered"}')).toBeGreaterThanOrEqual(1);
    expect(value('prism_webhook_attempt_duration_seconds_count{outcome="retrying"}')).toBeGreaterThanOrEqual(3);
    expect(value("prism_webhook_deliveries_pending")).toBe(0);
  });

  it("lets a receiver that takes 10 s delay nothing else: other receivers, more events, the API", async () => {
    // Two slots in all, to show the slow receiver holds one and only one of them.
    const slowT = await startTestPrism({ env: { ...FAST_RETRIES, PRISM_WEBHOOK_CONCURRENCY: "2" } });
    try {
      const slow = await receiver(() => ({ status: 200, delayMs: 10_000 }));
      const fast = await receiver();
      const slowSub = await subscribe({ url: slow.url, events: ["stream.started"] }, slowT);
      await subscribe({ url: fast.url, events: ["stream.started"] }, slowT);

      const emitted: number[] = [];
      for (let i = 0; i < 5; i++) {
        const before = performance.now();
        startStream(fakeStreamId(), `Stream ${i}`, slowT);
        emitted.push(performance.now() - before);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // The producer (the relay, in real life) only paid for recording the event.
      expect(Math.max(...emitted)).toBeLessThan(50);
      await fast.waitForRequests(5, 3_000);
      await slow.waitForRequests(1);
      const firstSlow = slow.requests[0]!.at;
      // The fast receiver got all five while the slow one still held its first request (it answers after 10 s): a
      // bound on what was waited for, not on how fast a loaded machine delivers (each delivery is a few store writes).
      expect(fast.requests.every((q) => q.at < firstSlow + 10_000)).toBe(true);

      const apiStarted = performance.now();
      const list = await slowT.api("GET", "/api/v1/webhooks");
      expect(list.status).toBe(200);
      expect(performance.now() - apiStarted).toBeLessThan(500);

      // The slow receiver gets its own events one at a time, in order; nothing was lost.
      expect(slow.requests).toHaveLength(1);
      await slow.waitForRequests(2, 12_000);
      const [first] = await deliveries(slowSub.id, slowT).then((all) => all.filter((d) => d.status === "delivered"));
      expect(first.attempts[0].latencyMs).toBeGreaterThanOrEqual(9_900);
      expect(first.attempts[0].statusCode).toBe(200);
    } finally {
      await slowT.stop();
    }
  });

  it("keeps retrying across a restart: the outbox survives, an abandoned request is sent again", async () => {
    const dataDir = await makeTempDir("prism-webhooks-restart-");
    // 1st attempt: 500; 2nd: no answer (Prism is stopped meanwhile); after the restart: 200.
    const r = await receiver((_req, i) => (i === 0 ? 500 : "hang"));
    const first = await startTestPrism({ dataDir, env: FAST_RETRIES });
    let second: TestPrism | undefined;
    try {
      const sub = await subscribe({ url: r.url, events: ["stream.started"] }, first);
      startStream(fakeStreamId(), "Restarted", first);
      await r.waitForRequests(2);
      const stopStarted = performance.now();
      await first.stop();
      // Stopping does not wait for the hanging receiver.
      expect(performance.now() - stopStarted).toBeLessThan(2_000);

      r.respond(() => 200);
      second = await startTestPrism({ dataDir, env: FAST_RETRIES });
      const requests = await r.waitForRequests(3);
      expect(new Set(requests.map((q) => q.headers["prism-event-id"])).size).toBe(1);
      // The abandoned attempt was no verdict on the receiver: it is attempt 2 again.
      expect(requests.map((q) => q.headers["prism-delivery-attempt"])).toEqual(["1", "2", "2"]);
      const delivery = await waitFor(async () => {
        const [latest] = await deliveries(sub.id, second);
        return latest?.status === "delivered" && latest;
      }, { what: "delivered after restart" });
      expect(delivery.attempts.map((a: any) => a.statusCode)).toEqual([500, 200]);
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(r.requests).toHaveLength(3);
    } finally {
      await second?.stop();
    }
  });

  it("cuts a request that takes too long, dead-letters after the retry period, and a manual redeliver sends it again", async () => {
    const shortT = await startTestPrism({ env: { ...FAST_RETRIES, PRISM_WEBHOOK_RETRY_FOR_MS: "900", PRISM_WEBHOOK_TIMEOUT_MS: "300" } });
    try {
      const r = await receiver((_req, i) => (i === 0 ? "hang" : 503));
      const sub = await subscribe({ url: r.url, events: ["stream.started"] }, shortT);
      startStream(fakeStreamId(), "Doomed", shortT);
      const dead = await waitFor(async () => (await deliveries(sub.id, shortT)).find((d) => d.status === "dead"), { what: "dead delivery" });
      expect(dead.attempts.length).toBeGreaterThanOrEqual(2);
      expect(dead.attempts[0]).toMatchObject({ statusCode: null, error: "No answer within 300 ms." });
      expect(dead.attempts[0].latencyMs).toBeGreaterThanOrEqual(290);
      expect(dead.attempts[0].latencyMs).toBeLessThan(1_000);
      expect(dead.lastStatusCode).toBe(503);
      expect(dead.nextAttemptAt).toBeNull();
      const sent = r.requests.length;
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(r.requests).toHaveLength(sent);

      r.respond(() => 204);
      const redelivered = await shortT.api("POST", `/api/v1/webhooks/${sub.id}/deliveries/${dead.id}/redeliver`);
      expect(redelivered.status).toBe(202);
      expect(redelivered.body.status).toBe("pending");
      await r.waitForRequests(sent + 1);
      const after = await waitFor(async () => (await deliveries(sub.id, shortT)).find((d) => d.id === dead.id && d.status === "delivered"), { what: "redelivered" });
      expect(after.attempts.at(-1)).toMatchObject({ attempt: dead.attempts.length + 1, statusCode: 204 });
      expect((await shortT.api("POST", `/api/v1/webhooks/${sub.id}/deliveries/nope/redeliver`)).status).toBe(404);
    } finally {
      await shortT.stop();
    }
  });

  it("refuses webhooks to private addresses with a clear 400, and checks again when delivering", async () => {
    const dataDir = await makeTempDir("prism-webhooks-private-");
    const r = await receiver();
    // Subscribed while the operator allowed private receivers...
    const allowing = await startTestPrism({ dataDir, env: FAST_RETRIES });
    let strict: TestPrism | undefined;
    try {
      const sub = await subscribe({ url: r.url, events: ["stream.started"] }, allowing);
      await allowing.stop();
      // ...then the operator turned that off.
      strict = await startTestPrism({ dataDir, env: { ...FAST_RETRIES, PRISM_WEBHOOK_ALLOW_PRIVATE: "false" } });

      for (const url of [`${r.url}/hook`, "http://localhost:9/hook", "http://10.0.0.8/hook", "http://169.254.169.254/latest/meta-data/", "http://[::1]:8080/"]) {
        const res = await strict.api("POST", "/api/v1/webhooks", { url, events: ["stream.started"] });
        expect(res.status, url).toBe(400);
        expect(res.body.error.code).toBe("webhook_url_not_allowed");
        expect(res.body.error.message).toMatch(/Prism does not send webhooks to .*(loopback|private network|link-local).*PRISM_WEBHOOK_ALLOW_PRIVATE=true/);
      }
      const ftp = await strict.api("POST", "/api/v1/webhooks", { url: "ftp://example.com/x", events: ["stream.started"] });
      expect(ftp.status).toBe(400);
      expect(ftp.body.error).toMatchObject({ code: "invalid_webhook_url", message: expect.stringContaining("https:// or http://") });

      startStream(fakeStreamId(), "Strict", strict);
      const failed = await waitFor(async () => {
        const [latest] = await deliveries(sub.id, strict);
        return latest?.attempts.length > 0 && latest;
      }, { what: "a refused attempt" });
      expect(failed.attempts[0].statusCode).toBeNull();
      expect(failed.attempts[0].error).toMatch(/private, loopback or link-local address.*PRISM_WEBHOOK_ALLOW_PRIVATE=true/);
      expect(r.requests).toHaveLength(0);
    } finally {
      await strict?.stop();
    }
  });

  it("posts { value1, value2, value3 } to an IFTTT-style trigger URL", async () => {
    const ifttt = await receiver();
    const iftttT = await startTestPrism({ env: { ...FAST_RETRIES, PRISM_IFTTT_BASE_URL: `${ifttt.url}/ifttt/` } });
    try {
      const created = await iftttT.api("POST", "/api/v1/webhooks", { kind: "ifttt", ifttt: { event: "prism_failed", key: "ifttt-key-0123456789" }, events: ["destination.failed"] });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ kind: "ifttt", url: null, ifttt: { event: "prism_failed", key: "ifttt-key-0123456789" } });
      const listed = await iftttT.api("GET", `/api/v1/webhooks/${created.body.id}`);
      expect(listed.body.ifttt.key).toBe("••••••••6789");

      // A destination refused by its platform: announced at once.
      const streamId = fakeStreamId();
      iftttT.prism.bus.emit("destination.state", {
        streamId,
        destinationId: "d-1",
        name: "YouTube",
        state: "failed",
        previous: "connecting",
        lastError: "The server refused the stream key.",
        lastErrorAt: new Date().toISOString(),
        reconnects: 0,
        attempt: 0,
        at: new Date().toISOString(),
      });
      const [req] = await ifttt.waitForRequests(1);
      expect(req!.path).toBe("/ifttt/trigger/prism_failed/with/key/ifttt-key-0123456789");
      expect(JSON.parse(req!.body)).toEqual({ value1: "YouTube", value2: "", value3: "The server refused the stream key." });
      expect(req!.headers["prism-signature"]).toMatch(/^t=\d+,v1=/);
      expect(await databaseBytes(iftttT.dataDir)).not.toContain("ifttt-key-0123456789");

      const bad = await iftttT.api("POST", "/api/v1/webhooks", { kind: "ifttt", events: ["stream.started"] });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toContain("ifttt: give the IFTTT event name and key");
    } finally {
      await iftttT.stop();
    }
  });

  it("delivers events from producers that plug in through the bus: comments (with filters) and accounts", async () => {
    const r = await receiver();
    const filtered = await subscribe({ url: `${r.url}/comments`, events: ["comment.received"], filter: { platforms: ["Twitch"], keyword: "DISCORD" } });
    await subscribe({ url: `${r.url}/accounts`, events: ["account.needs_reconnect"] });
    const streamId = fakeStreamId();
    const comment = (platform: string, text: string, id: string) =>
      t.prism.bus.emit("comment.received", { id, streamId, platform, author: { id: "u1", name: "chat_fan" }, text, sentAt: new Date().toISOString() });
    comment("twitch", "where is the discord?", "c1");
    comment("youtube", "discord please", "c2");
    comment("twitch", "hello", "c3");
    t.prism.bus.emit("account.needs_reconnect", { accountId: "acc-1", platform: "twitch", displayName: "speedy", reason: "refresh token revoked", at: new Date().toISOString() });

    await r.waitForRequests(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const byPath = Object.fromEntries(r.requests.map((q) => [q.path, JSON.parse(q.body)]));
    expect(r.requests).toHaveLength(2);
    expect(byPath["/comments"]).toMatchObject({ type: "comment.received", data: { streamId, commentId: "c1", platform: "twitch", text: "where is the discord?", author: { name: "chat_fan" } } });
    expect(byPath["/accounts"]).toMatchObject({ type: "account.needs_reconnect", data: { accountId: "acc-1", platform: "twitch", displayName: "speedy", reason: "refresh token revoked" } });
    expect((await deliveries(filtered.id)).map((d) => d.event.data.commentId)).toEqual(["c1"]);

    // Every comment is in the event log though (Zapier polling), newest first.
    const events = await t.api("GET", "/api/v1/events?type=comment.received&limit=3");
    expect(events.status).toBe(200);
    expect(events.body.map((e: any) => e.data.commentId)).toEqual(["c3", "c2", "c1"]);

    const wrongFilter = await t.api("POST", "/api/v1/webhooks", { url: r.url, events: ["stream.started"], filter: { keyword: "x" } });
    expect(wrongFilter.status).toBe(400);
    expect(wrongFilter.body.error.message).toContain("filter: only applies to comment.received");
  });

  it("keeps an event log for polling: newest first, filtered by type, with the catalog and its examples", async () => {
    const streamId = fakeStreamId();
    startStream(streamId, "Polled");
    t.prism.bus.emit("stream.ended", { streamId, sessionId: "session-1", name: "Polled", at: new Date().toISOString(), reason: "publisher disconnected" });
    const both = await waitFor(async () => {
      const res = await t.api("GET", "/api/v1/events?type=stream.started,stream.ended&limit=2");
      return res.body.length === 2 && res.body[0].data.streamId === streamId && res.body;
    }, { what: "events in the log" });
    expect(both.map((e: any) => e.type)).toEqual(["stream.ended", "stream.started"]);
    expect(both[1]).toMatchObject({ type: "stream.started", data: { streamId, streamName: "Polled" }, id: expect.stringMatching(/^evt_/) });
    const onlyStarted = (await t.api("GET", "/api/v1/events?type=stream.started&limit=1")).body;
    expect(onlyStarted).toHaveLength(1);
    expect(onlyStarted[0].id).toBe(both[1].id);

    const bad = await t.api("GET", "/api/v1/events?type=stream.exploded");
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('unknown event type "stream.exploded"');
    expect((await t.api("GET", "/api/v1/events?limit=1000")).status).toBe(400);
    expect((await t.api("GET", "/api/v1/events", undefined, { token: null })).status).toBe(401);

    const catalog = (await t.api("GET", "/api/v1/events/types")).body;
    expect(catalog.map((c: any) => c.type)).toEqual([
      "stream.started",
      "stream.ended",
      "stream.ingest_lost",
      "stream.ingest_resumed",
      "stream.ingest_switched",
      "destination.live",
      "destination.failed",
      "destination.recovered",
      "account.needs_reconnect",
      "comment.received",
      "recording.ready",
      "recording.paused",
      "clip.ready",
      "session.report_ready",
      "event.scheduled",
      "event.starting_soon",
      "event.started",
      "event.cancelled",
      "event.missed",
    ]);
    for (const entry of catalog) {
      expect(entry.description.length).toBeGreaterThan(20);
      expect(Object.keys(entry.example).sort()).toEqual(["createdAt", "data", "id", "type"]);
    }
  });

  it("test-fires an example event, lists and unsubscribes, and keeps secrets out of answers and logs", async () => {
    const r = await receiver((_req, i) => (i === 0 ? 200 : 500));
    const created = await t.api("POST", "/api/v1/webhooks", {
      url: `${r.url}/zapier/hooks/catch/123/s3cr3tpath`,
      events: ["destination.failed", "stream.started"],
      description: "Discord via Zapier",
    });
    expect(created.status).toBe(201);
    const { id, secret } = created.body;

    const fired = await t.api("POST", `/api/v1/webhooks/${id}/test`);
    expect(fired.status).toBe(200);
    expect(fired.body).toMatchObject({ status: "delivered", test: true, eventType: "destination.failed", lastStatusCode: 200 });
    expect(r.requests[0]!.headers["prism-test"]).toBe("true");
    expect(JSON.parse(r.requests[0]!.body)).toMatchObject({ type: "destination.failed", data: { destinationName: otherExamplePlatform.displayName, state: "reconnecting" } });
    // A failing test-fire is reported, not retried.
    const failing = await t.api("POST", `/api/v1/webhooks/${id}/test`, { type: "stream.started" });
    expect(failing.body).toMatchObject({ status: "dead", eventType: "stream.started", lastStatusCode: 500, lastError: "The receiver answered HTTP 500." });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(r.requests).toHaveLength(2);
    // Test events are not real events: the polling log does not show them.
    const logged = (await t.api("GET", "/api/v1/events?limit=200")).body.map((e: any) => e.id);
    expect(logged).not.toContain(fired.body.eventId);

    const got = await t.api("GET", `/api/v1/webhooks/${id}`);
    expect(got.body).toMatchObject({ id, url: `${r.url}/…path`, secret: `••••••••${secret.slice(-4)}`, description: "Discord via Zapier" });
    expect((await t.api("GET", "/api/v1/webhooks")).body.some((w: any) => w.id === id)).toBe(true);
    // While subscribed, what is not secret is stored in clear text, so the database was really read (a PostgreSQL
    // row is gone once deleted; the SQLite file may keep its bytes, which the check at the end covers).
    const subscribed = await databaseBytes(t.dataDir);
    expect(subscribed).toContain("Discord via Zapier");

    expect((await t.api("DELETE", `/api/v1/webhooks/${id}`)).status).toBe(204);
    expect((await t.api("GET", `/api/v1/webhooks/${id}`)).status).toBe(404);
    expect((await t.api("GET", `/api/v1/webhooks/${id}/deliveries`)).status).toBe(404);
    expect((await t.api("DELETE", `/api/v1/webhooks/${id}`)).body.error).toMatchObject({ code: "not_found", message: "Webhook not found." });

    const invalid = await t.api("POST", "/api/v1/webhooks", { url: r.url, events: [] });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toMatchObject({ code: "validation_failed", message: "events: subscribe to at least one event type" });
    const unknownType = await t.api("POST", "/api/v1/webhooks", { url: r.url, events: ["stream.exploded"] });
    expect(unknownType.status).toBe(400);
    expect(unknownType.body.error.message).toMatch(/^events\.0: /);
    const shortSecret = await t.api("POST", "/api/v1/webhooks", { url: r.url, events: ["stream.started"], secret: "short" });
    expect(shortSecret.body.error.message).toBe("secret: must be at least 16 characters long");

    const answers = t
      .responses()
      .filter((x) => !(x.method === "POST" && x.path === "/api/v1/webhooks"))
      .map((x) => x.text)
      .join("\n");
    const stored = await databaseBytes(t.dataDir);
    for (const s of [secret, "s3cr3tpath"]) {
      expect(answers.includes(s), `a secret ending in ${s.slice(-4)} was in an API answer`).toBe(false);
      expect(t.logs().includes(s), `a secret ending in ${s.slice(-4)} was logged`).toBe(false);
      expect(subscribed.includes(s), `a secret ending in ${s.slice(-4)} is readable in the database`).toBe(false);
      expect(stored.includes(s), `a secret ending in ${s.slice(-4)} is readable in the database after the unsubscribe`).toBe(false);
    }
  });

  it("unsubscribes a receiver that answers 410 Gone (Zapier REST Hooks)", async () => {
    const r = await receiver(() => 410);
    const sub = await subscribe({ url: r.url, events: ["stream.started"] });
    startStream(fakeStreamId());
    await r.waitForRequests(1);
    await waitFor(async () => (await t.api("GET", `/api/v1/webhooks/${sub.id}`)).status === 404, { what: "subscription removed" });
    startStream(fakeStreamId());
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(r.requests).toHaveLength(1);
  });
});
