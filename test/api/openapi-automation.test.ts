import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { startPrism, type Prism } from "../../src/service.js";
import type { ChatSource, ChatSources } from "../../src/comments/index.js";
import type { AccountApi } from "../../src/destinations/account-types.js";
import type { ChatSupport } from "../../src/destinations/chat-types.js";
import { TEST_DESTINATION_ALLOW, TEST_TOKEN, waitFor } from "../support/prism.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";
import { publishTestStream } from "../support/publisher.js";
import { killAll } from "../support/children.js";
import { startHttpReceiver, type HttpReceiver } from "../webhooks/http-receiver.js";
import { AUTOMATION_PATHS, SCHEDULE_PATHS, HTTP_METHODS, OpenApiChecker } from "./openapi-check.js";

type Json = Record<string, any>;

/**
 * Every status each operation of webhooks, the event log, action tokens and action URLs (issue #7)
 * must have been seen answering below, each answer validated against the document. An operation the
 * document has and this table lacks fails the test, so a new route cannot go unchecked. 413/415/429/500
 * come from middleware shared by every route; 413, 415 and 429 are checked once or twice here, where
 * they are cheap to provoke. Action URLs read JSON whatever the Content-Type says (IFTTT sends
 * text/plain), so the document gives them no 415.
 */
const EXPECTED: Record<string, string[]> = {
  "post /api/v1/webhooks": ["201", "400", "401", "403", "413", "415"],
  "get /api/v1/webhooks": ["200", "401"],
  "get /api/v1/webhooks/{id}": ["200", "404"],
  "delete /api/v1/webhooks/{id}": ["204", "403", "404"],
  "get /api/v1/webhooks/{id}/deliveries": ["200", "400", "404"],
  "post /api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver": ["202", "403", "404"],
  "post /api/v1/webhooks/{id}/test": ["200", "400", "404", "415"],
  "get /api/v1/events": ["200", "400", "401", "429"],
  "get /api/v1/events/types": ["200", "401"],
  "post /api/v1/streams/{id}/action-tokens": ["201", "400", "403", "404", "415"],
  "get /api/v1/streams/{id}/action-tokens": ["200", "404"],
  "delete /api/v1/streams/{id}/action-tokens/{tokenId}": ["204", "404"],
  "post /api/v1/actions/{actionToken}/start-destination": ["200", "400", "401", "403", "404", "409", "413"],
  "post /api/v1/actions/{actionToken}/stop-destination": ["200", "400", "401", "403", "404"],
  "post /api/v1/actions/{actionToken}/toggle-destination": ["200", "400", "401", "403", "404", "409"],
  "post /api/v1/actions/{actionToken}/send-comment": ["200", "400", "401", "403", "409"],
  "post /api/v1/actions/{actionToken}/clip-live": ["201", "400", "401", "403", "409"],
  "post /api/v1/actions/{actionToken}/add-marker": ["201", "400", "401", "403", "409"],
};

/** Low enough to reach with one token in a test, high enough that the admin token never does. */
const RATE_LIMIT = 300;

const chatApi: AccountApi = {
  account: { id: "acct", platformUserId: "u1", displayName: "Streamer" },
  fetch: () => Promise.reject(new Error("the test chat makes no requests")),
  data: () => ({}),
  saveData: () => {},
};

describe("the OpenAPI document describes webhooks, events, action tokens and action URLs as they answer", () => {
  let prism: Prism;
  let base: string;
  let receiver: HttpReceiver;
  let doc: Json;
  let checker: OpenApiChecker;
  /** A platform chat Prism can post to: it records what it is sent (and reads nothing). */
  const posted: string[] = [];
  const twitch: ChatSupport = {
    read: (_api, _stream, sink, signal) => {
      sink.state("live");
      return new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
    },
    send: async (_api, _stream, text) => void posted.push(text),
  };
  /** Streams whose chat Prism "reads" (through the test chat); every other stream has none. */
  const chatStreams = new Set<string>();
  const sources: ChatSources = {
    forStream: (streamId): ChatSource[] =>
      chatStreams.has(streamId)
        ? [{ platform: "twitch", destinationId: "dest-twitch", chat: twitch, api: chatApi, stream: { streamId, destinationId: "dest-twitch", title: "Test", description: null } }]
        : [],
  };

  beforeAll(async () => {
    receiver = await startHttpReceiver();
    const config = loadConfig({
      PRISM_HOST: "127.0.0.1",
      PRISM_RTMP_PORT: "0",
      PRISM_HTTP_PORT: "0",
      PRISM_DATA_DIR: await makeTempDir("prism-openapi-automation-"),
      PRISM_API_TOKEN: TEST_TOKEN,
      PRISM_LOG_LEVEL: "warn",
      PRISM_API_MAX_BODY_KB: "16",
      PRISM_API_RATE_LIMIT: String(RATE_LIMIT),
      // The receiver is on loopback, which webhooks refuse unless the operator allows it.
      PRISM_WEBHOOK_ALLOW_PRIVATE: "true",
      // Destinations point at loopback receivers too, which the default address policy refuses.
      PRISM_DESTINATION_ALLOW: TEST_DESTINATION_ALLOW,
      PRISM_IFTTT_BASE_URL: `${receiver.url}/ifttt/`,
      PRISM_WEBHOOK_RETRY_INITIAL_MS: "100",
      PRISM_WEBHOOK_RETRY_MAX_MS: "200",
      PRISM_WEBHOOK_TIMEOUT_MS: "3000",
    });
    prism = await startPrism(config, { logDestination: new Writable({ write: (_c, _e, done) => done() }), chat: { sources, reorderWindowMs: 20 } });
    base = `http://127.0.0.1:${prism.httpPort}`;
    doc = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as Json;
    checker = new OpenApiChecker(doc, { strict: true });
  });
  afterAll(async () => {
    await killAll();
    await prism?.stop();
    await receiver?.close();
    await removeTempDirs();
  });

  it("answers every operation, errors included, as documented; none is left out", async () => {
    /** A request as a client sends it; the answer is checked against the document before anything else looks at it. */
    const call = async (method: string, path: string, options: { json?: unknown; text?: string; type?: string; token?: string | null } = {}) => {
      const headers: Record<string, string> = {};
      const token = options.token === undefined ? TEST_TOKEN : options.token;
      if (token !== null) headers.authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (options.json !== undefined) {
        body = JSON.stringify(options.json);
        headers["content-type"] = options.type ?? "application/json";
      } else if (options.text !== undefined) {
        body = options.text;
        if (options.type) headers["content-type"] = options.type;
      }
      const res = await fetch(base + path, { method, headers, body });
      const text = await res.text();
      checker.check(method, path, { status: res.status, text, headers: res.headers });
      // What the API accepted, the document must accept too.
      if (res.ok && options.json !== undefined && (options.type ?? "application/json") === "application/json") {
        const schema = checker.operation(method, path)!.op.requestBody?.content?.["application/json"]?.schema;
        expect(schema, `${method} ${path} took a JSON body the document does not describe`).toBeDefined();
        const validate = checker.validator(schema);
        expect(validate(options.json), `${method} ${path}: the document refuses a body the API accepted: ${JSON.stringify(validate.errors)}`).toBe(true);
      }
      return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
    };
    const expectStatus = async (status: number, answer: Promise<{ status: number; text: string }>) => {
      const res = await answer;
      expect(res.status, res.text.slice(0, 300)).toBe(status);
      return res as { status: number; body: any; text: string };
    };

    // A stream with two destinations named alike (409 by name), a chat-less stream, and a read-only token.
    const stream = (await expectStatus(201, call("POST", "/api/v1/streams", { json: { name: "Automated" } }))).body;
    const quiet = (await expectStatus(201, call("POST", "/api/v1/streams", { json: { name: "No chat" } }))).body;
    chatStreams.add(stream.id);
    const destination = (name: string) => ({ platform: "custom", name, url: "rtmp://127.0.0.1:1/live", streamKey: "key-0123" });
    const youtube = (await expectStatus(201, call("POST", `/api/v1/streams/${stream.id}/destinations`, { json: destination("YouTube") }))).body;
    await expectStatus(201, call("POST", `/api/v1/streams/${stream.id}/destinations`, { json: destination("Twin") }));
    await expectStatus(201, call("POST", `/api/v1/streams/${stream.id}/destinations`, { json: destination("twin") }));
    const reader = (await expectStatus(201, call("POST", "/api/v1/tokens", { json: { name: "automation reader", scopes: ["read"] } }))).body.token as string;

    // Webhook subscriptions.
    const hook = (await expectStatus(201, call("POST", "/api/v1/webhooks", { json: { url: `${receiver.url}/hooks/zap`, events: ["stream.started", "destination.failed"], description: "Zap" } }))).body;
    const ifttt = (
      await expectStatus(201, call("POST", "/api/v1/webhooks", { json: { kind: "ifttt", ifttt: { event: "prism_chat", key: "ifttt-key-0123456789" }, events: ["comment.received"], filter: { keyword: "!discord" } } }))
    ).body;
    await expectStatus(400, call("POST", "/api/v1/webhooks", { json: { url: receiver.url, events: [] } }));
    await expectStatus(400, call("POST", "/api/v1/webhooks", { json: { url: "ftp://example.com/hook", events: ["stream.started"] } }));
    await expectStatus(400, call("POST", "/api/v1/webhooks", { json: { kind: "ifttt", url: receiver.url, events: ["stream.started"] } }));
    await expectStatus(400, call("POST", "/api/v1/webhooks", { text: "{", type: "application/json" }));
    // A subscription's filter is null when listed, but may not be sent as null: the document once said it could.
    const nullFilter = { url: receiver.url, events: ["comment.received"], filter: null };
    await expectStatus(400, call("POST", "/api/v1/webhooks", { json: nullFilter }));
    expect(checker.validator(checker.operation("post", "/api/v1/webhooks")!.op.requestBody.content["application/json"].schema)(nullFilter)).toBe(false);
    await expectStatus(415, call("POST", "/api/v1/webhooks", { json: { url: receiver.url, events: ["stream.started"] }, type: "text/plain" }));
    await expectStatus(413, call("POST", "/api/v1/webhooks", { json: { url: receiver.url, events: ["stream.started"], description: "x".repeat(20_000) } }));
    await expectStatus(401, call("POST", "/api/v1/webhooks", { json: { url: receiver.url, events: ["stream.started"] }, token: null }));
    await expectStatus(403, call("POST", "/api/v1/webhooks", { json: { url: receiver.url, events: ["stream.started"] }, token: reader }));
    const listed = (await expectStatus(200, call("GET", "/api/v1/webhooks", { token: reader }))).body;
    expect(listed.map((w: Json) => w.id).sort()).toEqual([hook.id, ifttt.id].sort());
    await expectStatus(401, call("GET", "/api/v1/webhooks", { token: "prism_wrong_token" }));
    await expectStatus(200, call("GET", `/api/v1/webhooks/${hook.id}`));
    await expectStatus(200, call("GET", `/api/v1/webhooks/${ifttt.id}`));
    await expectStatus(404, call("GET", "/api/v1/webhooks/no-such-webhook"));

    // Test-fires: delivered, dead (the receiver fails), to IFTTT (here: the receiver), and refused.
    const fired = (await expectStatus(200, call("POST", `/api/v1/webhooks/${hook.id}/test`))).body;
    expect(fired).toMatchObject({ status: "delivered", test: true, eventType: "stream.started" });
    receiver.respond(() => 500);
    const dead = (await expectStatus(200, call("POST", `/api/v1/webhooks/${hook.id}/test`, { json: { type: "destination.failed" } }))).body;
    expect(dead).toMatchObject({ status: "dead", lastStatusCode: 500 });
    receiver.respond(() => 200);
    await expectStatus(200, call("POST", `/api/v1/webhooks/${ifttt.id}/test`, { json: {} }));
    await expectStatus(400, call("POST", `/api/v1/webhooks/${hook.id}/test`, { json: { type: "stream.exploded" } }));
    await expectStatus(415, call("POST", `/api/v1/webhooks/${hook.id}/test`, { text: "type=stream.started", type: "application/x-www-form-urlencoded" }));
    await expectStatus(404, call("POST", "/api/v1/webhooks/no-such-webhook/test"));

    // A real event: the event log has it, and it is delivered (a pending delivery shows its own shape).
    prism.bus.emit("stream.started", { streamId: stream.id, sessionId: "session-1", name: stream.name, at: new Date().toISOString() });
    await receiver.waitForRequests(4);
    const deliveries = `/api/v1/webhooks/${hook.id}/deliveries`;
    await waitFor(async () => (await call("GET", `${deliveries}?status=delivered`)).body.filter((d: Json) => !d.test).length === 1, { what: "the real event delivered" });
    await expectStatus(200, call("GET", `${deliveries}?limit=1&status=dead`));
    await expectStatus(200, call("GET", deliveries, { token: reader }));
    await expectStatus(400, call("GET", `${deliveries}?limit=0`));
    await expectStatus(400, call("GET", `${deliveries}?status=lost`));
    await expectStatus(404, call("GET", "/api/v1/webhooks/no-such-webhook/deliveries"));

    const redelivered = (await expectStatus(202, call("POST", `${deliveries}/${dead.id}/redeliver`))).body;
    expect(redelivered).toMatchObject({ id: dead.id, status: "pending" });
    await waitFor(async () => (await call("GET", `${deliveries}?status=delivered`)).body.some((d: Json) => d.id === dead.id), { what: "the redelivery delivered" });
    await expectStatus(403, call("POST", `${deliveries}/${dead.id}/redeliver`, { token: reader }));
    await expectStatus(404, call("POST", `${deliveries}/no-such-delivery/redeliver`));
    await expectStatus(404, call("POST", `/api/v1/webhooks/no-such-webhook/deliveries/${dead.id}/redeliver`));

    // The event log and the catalog.
    const events = (await expectStatus(200, call("GET", "/api/v1/events?type=stream.started,destination.live&limit=10"))).body;
    expect(events.some((e: Json) => e.type === "stream.started" && e.data.streamId === stream.id)).toBe(true);
    await expectStatus(200, call("GET", "/api/v1/events", { token: reader }));
    await expectStatus(400, call("GET", "/api/v1/events?type=stream.exploded"));
    await expectStatus(400, call("GET", "/api/v1/events?limit=201"));
    await expectStatus(401, call("GET", "/api/v1/events", { token: null }));
    const catalog = (await expectStatus(200, call("GET", "/api/v1/events/types"))).body;
    expect(catalog.map((e: Json) => e.type)).toContain("stream.started");
    await expectStatus(401, call("GET", "/api/v1/events/types", { token: "prism_wrong_token" }));

    // Action tokens.
    const tokens = `/api/v1/streams/${stream.id}/action-tokens`;
    const all = (await expectStatus(201, call("POST", tokens, { json: { name: "Everything", actions: ["start-destination", "stop-destination", "toggle-destination", "send-comment"] } }))).body;
    const onOff = (await expectStatus(201, call("POST", tokens, { json: { name: "Defaults" } }))).body;
    const stopOnly = (await expectStatus(201, call("POST", tokens, { json: { name: "Stop only", actions: ["stop-destination"] } }))).body;
    const quietChat = (await expectStatus(201, call("POST", `/api/v1/streams/${quiet.id}/action-tokens`, { json: { name: "Chat", actions: ["send-comment"] } }))).body;
    const revoked = (await expectStatus(201, call("POST", tokens, { json: { name: "Revoked", actions: ["start-destination"] } }))).body;
    expect(Object.keys(all.urls)).toHaveLength(4);
    await expectStatus(400, call("POST", tokens, { json: { name: "", actions: ["start-destination"] } }));
    await expectStatus(400, call("POST", tokens, { json: { name: "Bad", actions: ["reboot"] } }));
    await expectStatus(415, call("POST", tokens, { text: "name=x", type: "text/plain" }));
    await expectStatus(403, call("POST", tokens, { json: { name: "Reader's" }, token: reader }));
    await expectStatus(404, call("POST", "/api/v1/streams/no-such-stream/action-tokens", { json: { name: "Nowhere" } }));
    const tokenList = (await expectStatus(200, call("GET", tokens, { token: reader }))).body;
    expect(tokenList).toHaveLength(4);
    await expectStatus(404, call("GET", "/api/v1/streams/no-such-stream/action-tokens"));
    await expectStatus(204, call("DELETE", `${tokens}/${revoked.id}`));
    await expectStatus(404, call("DELETE", `${tokens}/${revoked.id}`));
    await expectStatus(404, call("DELETE", `/api/v1/streams/${quiet.id}/action-tokens/${all.id}`));

    // Action URLs: the token in the URL is the credential.
    const act = (token: string, action: string, options: Parameters<typeof call>[2] = {}) => call("POST", `/api/v1/actions/${token}/${action}`, { token: null, ...options });
    const stopped = (await expectStatus(200, act(all.token, "stop-destination", { json: { destination: "youtube" } }))).body;
    expect(stopped).toMatchObject({ action: "stop-destination", streamLive: false, destination: { id: youtube.id, enabled: false, state: "stopped" } });
    await expectStatus(200, act(onOff.token, "start-destination", { json: { destinationId: youtube.id } }));
    // IFTTT's "Make a web request" sends JSON as text/plain.
    await expectStatus(200, act(all.token, "toggle-destination", { text: JSON.stringify({ destination: "YouTube" }), type: "text/plain" }));
    await expectStatus(200, act(stopOnly.token, "stop-destination", { json: { destinationId: youtube.id } }));
    for (const action of ["start-destination", "stop-destination", "toggle-destination"]) {
      await expectStatus(400, act(all.token, action, { json: { destination: "YouTube", destinationId: youtube.id } }));
      await expectStatus(401, act("prism_act_unknown", action, { json: { destination: "YouTube" } }));
      await expectStatus(404, act(all.token, action, { json: { destination: "Kick" } }));
    }
    await expectStatus(400, act(all.token, "start-destination"));
    await expectStatus(400, act(all.token, "stop-destination", { text: "{not json", type: "text/plain" }));
    await expectStatus(400, act(all.token, "toggle-destination", { text: "{not json", type: "application/json" }));
    await expectStatus(401, act(revoked.token, "start-destination", { json: { destination: "YouTube" } }));
    await expectStatus(403, act(stopOnly.token, "start-destination", { json: { destination: "YouTube" } }));
    await expectStatus(403, act(quietChat.token, "stop-destination", { json: { destination: "YouTube" } }));
    await expectStatus(403, act(stopOnly.token, "toggle-destination", { json: { destination: "YouTube" } }));
    await expectStatus(404, act(all.token, "stop-destination", { json: { destinationId: "no-such-destination" } }));
    await expectStatus(409, act(all.token, "start-destination", { json: { destination: "TWIN" } }));
    await expectStatus(409, act(all.token, "toggle-destination", { json: { destination: "twin" } }));
    await expectStatus(413, act(all.token, "start-destination", { json: { destination: "x".repeat(20_000) } }));

    const sent = (await expectStatus(200, act(all.token, "send-comment", { json: { text: "Back in 5!" } }))).body;
    expect(sent.results).toEqual([{ platform: "twitch", destinationId: "dest-twitch", ok: true }]);
    await expectStatus(200, act(all.token, "send-comment", { text: JSON.stringify({ text: "Still here", platforms: ["twitch"] }), type: "text/plain" }));
    expect(posted).toEqual(["Back in 5!", "Still here"]);
    await expectStatus(400, act(all.token, "send-comment", { json: { text: "" } }));
    await expectStatus(400, act(all.token, "send-comment", { text: "hello", type: "text/plain" }));
    await expectStatus(401, act("prism_act_unknown", "send-comment", { json: { text: "hi" } }));
    await expectStatus(403, act(onOff.token, "send-comment", { json: { text: "hi" } }));
    await expectStatus(409, act(quietChat.token, "send-comment", { json: { text: "hi" } }));
    await expectStatus(409, act(all.token, "send-comment", { json: { text: "hi", platforms: ["youtube"] } }));

    // Recording actions ("clip that", a marker) on a live, recorded stream.
    const recorded = (await expectStatus(201, call("POST", "/api/v1/streams", { json: { name: "Recorded" } }))).body;
    await expectStatus(200, call("PATCH", `/api/v1/streams/${recorded.id}`, { json: { recording: { enabled: true } } }));
    const deck = (await expectStatus(201, call("POST", `/api/v1/streams/${recorded.id}/action-tokens`, { json: { name: "Stream Deck", actions: ["clip-live", "add-marker"] } }))).body;
    await expectStatus(409, act(deck.token, "clip-live", { json: { lastSec: 5 } }));
    await expectStatus(409, act(deck.token, "add-marker"));
    const publisher = publishTestStream({ url: `rtmp://127.0.0.1:${prism.rtmpPort}/live/${recorded.streamKey}`, durationSec: Infinity, keyframeIntervalSec: 1 });
    expect(await publisher.publishing).toBe(true);
    await waitFor(async () => (await act(deck.token, "add-marker", { json: { label: "Go" } })).status === 201, { what: "a marker on the live recording" });
    await expectStatus(201, act(deck.token, "add-marker", { text: "", type: "text/plain" }));
    await waitFor(async () => (await act(deck.token, "clip-live", { json: { lastSec: 1 } })).status === 201, { what: "a live clip" });
    await expectStatus(201, act(deck.token, "clip-live", { text: JSON.stringify({ lastSec: 1, title: "Deck" }), type: "text/plain" }));
    await expectStatus(400, act(deck.token, "clip-live", { json: { lastSec: 601 } }));
    await expectStatus(400, act(deck.token, "add-marker", { json: { label: 5 } }));
    await expectStatus(401, act("prism_act_unknown", "clip-live", { json: {} }));
    await expectStatus(401, act("prism_act_unknown", "add-marker", { json: {} }));
    await expectStatus(403, act(all.token, "clip-live", { json: {} }));
    await expectStatus(403, act(all.token, "add-marker", { json: {} }));
    await publisher.stop();

    // Unsubscribing, by a token allowed to and by one that is not.
    await expectStatus(403, call("DELETE", `/api/v1/webhooks/${hook.id}`, { token: reader }));
    await expectStatus(204, call("DELETE", `/api/v1/webhooks/${hook.id}`));
    await expectStatus(204, call("DELETE", `/api/v1/webhooks/${ifttt.id}`));
    await expectStatus(404, call("DELETE", `/api/v1/webhooks/${hook.id}`));
    await expectStatus(404, call("GET", `/api/v1/webhooks/${hook.id}/deliveries`));

    // The rate limit, spent by the reader's token alone.
    let limited: { status: number } | undefined;
    for (let i = 0; i <= RATE_LIMIT && limited?.status !== 429; i++) limited = await call("GET", "/api/v1/events?limit=1", { token: reader });
    expect(limited?.status).toBe(429);

    // Every operation of these paths in the document, and only those, was exercised with each status listed above.
    const documented = Object.entries<Json>(doc.paths)
      .filter(([path]) => AUTOMATION_PATHS.test(path) && !SCHEDULE_PATHS.test(path))
      .flatMap(([path, item]) => HTTP_METHODS.filter((m) => item[m]).map((m) => `${m} ${path}`));
    expect(documented.sort(), "operations in the document vs. the EXPECTED table of this test").toEqual(Object.keys(EXPECTED).sort());
    const short = Object.entries(EXPECTED).flatMap(([key, statuses]) => {
      const seen = checker.exercised.get(key) ?? new Set<string>();
      const missing = statuses.filter((s) => !seen.has(s));
      const ok = [...seen].some((s) => s.startsWith("2"));
      const error = [...seen].some((s) => !s.startsWith("2"));
      return missing.length > 0 || !ok || !error ? [`${key}: saw ${[...seen].sort().join(", ") || "nothing"}, missing ${missing.join(", ")}`] : [];
    });
    expect(short, "operations not exercised with every status they must show").toEqual([]);
  }, 20_000);
});
