import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { killAll } from "../support/children.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";
import { platformIds } from "../../src/destinations/registry.js";
import { AUTOMATION_PATHS, SCHEDULE_PATHS, HTTP_METHODS, RECORDINGS_PATHS, OpenApiChecker, hasExample, resolveRef } from "./openapi-check.js";

type Json = Record<string, any>;

/**
 * Webhooks, the event log, action tokens and action URLs (issue #7), AUTOMATION_PATHS: held to every
 * rule here; their real answers, errors included, are checked by ./openapi-automation.test.ts, which
 * fails when one of these operations is left unexercised (the pattern is shared, so the two files
 * cannot drift apart).
 */

/** Linked accounts and the OAuth callback (issue #5): held to every rule here; their real answers are checked by test/oauth/accounts-api.test.ts. */
const CHECKED_ELSEWHERE = /^\/api\/v1\/(accounts|oauth)(\/|$)/;

/** The comment feed, its moderation and the overlay (issue #6): held to every rule here; real answers checked by test/comments/api-answers.test.ts. */
const CHAT = /^\/api\/v1\/streams\/\{id\}\/(comments|chat-filters|chat-blocks|chat-modes|overlay-token)(\/|$)|^\/overlay\//;

/** Broadcast sessions and their reports (issue #17): held to every rule here; real answers checked by test/e2e/session-report.test.ts. */
const SESSIONS = /^\/api\/v1\/sessions\/|^\/api\/v1\/streams\/\{id\}\/sessions$/;

/**
 * Platforms' chat webhooks (X's, issue #6; Kick's): signed by the platform instead of a token; real
 * answers checked by test/chat/x-webhook.test.ts and test/chat/kick-chat.test.ts.
 */
const PLATFORM_WEBHOOK = /^\/api\/v1\/platforms\/[a-z0-9]+\/webhook$/;

/** Uploaded videos (issue #18): held to every rule here; real answers checked by test/api/media-api.test.ts. */
const MEDIA = /^\/api\/v1\/media(\/|$)/;

describe("the OpenAPI 3.1 document", () => {
  let t: TestPrism;
  let doc: Json;
  let checker: OpenApiChecker;

  beforeAll(async () => {
    t = await startTestPrism({ env: { PRISM_API_MAX_BODY_KB: "64" } });
    const res = await t.api("GET", "/api/v1/openapi.json", undefined, { token: null });
    expect(res.status).toBe(200);
    doc = res.body;
    checker = new OpenApiChecker(doc, { strict: true });
  });
  afterEach(async () => {
    await killAll();
  });
  afterAll(async () => {
    await t.stop();
    await removeTempDirs();
  });

  const operations = () =>
    Object.entries<Json>(doc.paths).flatMap(([path, item]) =>
      HTTP_METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method] as Json, key: `${method} ${path}` })),
    );

  it("is OpenAPI 3.1 with the bearer scheme", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.title).toBe("Prism API");
    expect(doc.components.securitySchemes.bearerAuth).toEqual(expect.objectContaining({ type: "http", scheme: "bearer" }));
    expect(doc.components.schemas.Error).toBeDefined();
  });

  it("lists every route the app has registered", () => {
    const registered = t.prism.httpApp.routes
      .filter((r) => r.method !== "ALL")
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}")}`);
    expect(registered.length).toBeGreaterThan(15);
    const documented = new Set(operations().map((o) => o.key));
    const missing = [...new Set(registered)].filter((r) => !documented.has(r));
    expect(missing, "registered routes missing from the document").toEqual([]);
  });

  it("gives every operation a summary, the scope it needs and the errors the middleware can give", () => {
    const publicPaths = new Set(["/api/v1/openapi.json", "/healthz", "/docs", "/docs/scalar.js", "/docs/init.js", "/api/v1/oauth/{platform}/callback", "/overlay/chat/{overlayToken}", "/overlay/chat/{overlayToken}/feed"]);
    for (const { path, method, op, key } of operations()) {
      expect(op.summary, key).toBeTruthy();
      expect(op.tags?.length, key).toBeGreaterThan(0);
      expect(op.responses["500"], key).toBeDefined();
      if (op.requestBody) {
        expect(op.responses["413"], key).toBeDefined();
        // Action URLs take JSON under any Content-Type (IFTTT sends text/plain), so they never answer 415.
        if (path.startsWith("/api/v1/actions")) expect(op.responses["415"], key).toBeUndefined();
        else expect(op.responses["415"], key).toBeDefined();
      }
      if (path.startsWith("/api/v1/actions")) continue; // action URLs carry their own token
      if (publicPaths.has(path) || PLATFORM_WEBHOOK.test(path)) {
        expect(op.security, key).toEqual([]);
        continue;
      }
      const expected = path.startsWith("/api/v1/tokens") ? "admin" : method === "get" ? "read" : "write";
      expect(op.security, key).toEqual([{ bearerAuth: [expected] }]);
      for (const status of ["401", "403", "429"]) expect(op.responses[status], `${key} ${status}`).toBeDefined();
      expect(op.responses["429"].headers["Retry-After"], key).toBeDefined();
    }
  });

  it("has an example for every request and response body, and every example matches its schema", () => {
    const missing: string[] = [];
    const wrong: string[] = [];
    const checkExample = (where: string, schema: Json | undefined, example: unknown) => {
      if (example === undefined || !schema) return;
      const validate = checker.validator(schema);
      if (!validate(example)) wrong.push(`${where}: ${JSON.stringify(validate.errors?.slice(0, 2))}`);
    };
    for (const { op, key } of operations()) {
      const requestMedia = op.requestBody?.content?.["application/json"];
      if (requestMedia) {
        if (requestMedia.example === undefined && !hasExample(doc, requestMedia.schema)) missing.push(`${key} request`);
        checkExample(`${key} request`, requestMedia.schema, requestMedia.example ?? resolveRef(doc, requestMedia.schema)?.example);
      }
      for (const [status, response] of Object.entries<Json>(op.responses)) {
        for (const [type, media] of Object.entries<Json>(response.content ?? {})) {
          if (media.example === undefined && !hasExample(doc, media.schema)) missing.push(`${key} ${status} ${type}`);
          checkExample(`${key} ${status}`, media.schema, media.example);
        }
      }
    }
    for (const [name, schema] of Object.entries<Json>(doc.components.schemas)) checkExample(`components.schemas.${name}`, schema, schema.example);
    expect(missing, "bodies without an example").toEqual([]);
    expect(wrong, "examples that do not match their own schema").toEqual([]);
  });

  it("describes what the API really answers, errors included, for every operation of streams, destinations, health, tokens and operations", async () => {
    const call = async (method: string, path: string, body?: unknown, options?: Parameters<TestPrism["api"]>[3]) => {
      const res = await t.api(method, path, body, options);
      checker.check(method, path, res);
      return res;
    };
    const raw = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${t.prism.httpPort}${path}`, { headers: { authorization: `Bearer ${t.token}` } });
      const text = await res.text();
      checker.check("GET", path, { status: res.status, text, headers: res.headers });
    };

    /** An event stream's status, type and first chunk (then the connection is dropped). */
    const sseHead = async (path: string) => {
      const abort = new AbortController();
      const res = await fetch(`http://127.0.0.1:${t.prism.httpPort}${path}`, { headers: { authorization: `Bearer ${t.token}` }, signal: abort.signal });
      const reader = res.body!.getReader();
      const first = await reader.read();
      abort.abort();
      checker.check("GET", path, { status: res.status, text: new TextDecoder().decode(first.value ?? new Uint8Array()), headers: res.headers });
    };

    await raw("/healthz");
    await raw("/metrics");
    await raw("/docs");
    await raw("/docs/scalar.js");
    await raw("/docs/init.js");
    await call("GET", "/api/v1/openapi.json", undefined, { token: null });
    // The platform catalogue is the registry, in its order (the dashboard's platform list is built from it).
    const { body: catalogue } = await call("GET", "/api/v1/platforms");
    expect(catalogue.map((p: { id: string }) => p.id)).toEqual(platformIds);

    // Streams, with the errors each layer can give.
    const { body: stream } = await call("POST", "/api/v1/streams", { name: "Documented" });
    await call("POST", "/api/v1/streams", { name: "" });
    await call("POST", "/api/v1/streams", "name=x", { headers: { "content-type": "text/plain" } });
    await call("POST", "/api/v1/streams", { name: "x".repeat(70_000) });
    await call("GET", "/api/v1/streams", undefined, { token: null });
    await call("GET", "/api/v1/streams");
    await call("GET", `/api/v1/streams/${stream.id}`);
    await call("GET", "/api/v1/streams/no-such-stream");
    await call("PATCH", `/api/v1/streams/${stream.id}`, { name: "Documented stream" });
    await call("POST", `/api/v1/streams/${stream.id}/rotate-key`);
    const { body: key } = await call("POST", `/api/v1/streams/${stream.id}/reveal-key`);

    // Destinations, and health both offline and live (real publisher, real receiver).
    const dir = await makeTempDir("prism-openapi-");
    const receiver = await startRtmpReceiver({ dir });
    const base = `/api/v1/streams/${stream.id}/destinations`;
    const { body: dest } = await call("POST", base, { platform: "custom", name: "Receiver", url: receiver.url, streamKey: receiver.key });
    await call("POST", base, { platform: "custom", name: "Bad", url: "http://example.com/app", streamKey: "k" });
    await call("POST", "/api/v1/streams/no-such-stream/destinations", { platform: "custom", name: "x", url: receiver.url, streamKey: "k" });
    await call("GET", base);
    await call("GET", `${base}/${dest.id}`);
    await call("GET", `${base}/no-such-destination`);
    await call("PATCH", `${base}/${dest.id}`, { name: "Receiver one" });
    await call("GET", `/api/v1/streams/${stream.id}/health`);
    await sseHead(`/api/v1/streams/${stream.id}/health/stream`);
    await sseHead("/api/v1/streams/no-such-stream/health/stream");
    await raw(`/api/v1/streams/${stream.id}/thumbnail.jpg?quiet=1`);
    await raw(`/api/v1/streams/${stream.id}/thumbnail.jpg`);
    await raw(`/api/v1/streams/${stream.id}/preview.flv`);
    const publisher = publishTestStream({ url: t.publishUrl(key.streamKey), durationSec: Infinity });
    expect(await publisher.publishing).toBe(true);
    await waitFor(async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body.destinations[0]?.state === "live", { what: "destination live" });
    const live = await call("GET", `/api/v1/streams/${stream.id}/health`);
    expect(live.body.ingest).not.toBeNull();
    // One Prism is a cluster of one: itself, with the live stream and its load.
    const { body: cluster } = await call("GET", "/api/v1/cluster");
    expect(cluster).toMatchObject({ clustered: false, nodes: [{ nodeId: cluster.nodeId, streams: [stream.id], draining: false, load: { streams: 1, outputs: 1 } }] });
    expect(cluster.nodes[0].httpUrl).toBe(`http://127.0.0.1:${t.prism.httpPort}`);
    await call("GET", "/api/v1/cluster", undefined, { token: null });
    // The preview: a thumbnail (once the first keyframe is in), the live FLV's first bytes, the kept bitrates.
    await raw(`/api/v1/streams/${stream.id}/thumbnail.jpg`);
    await raw(`/api/v1/streams/no-such-stream/thumbnail.jpg?quiet=1`);
    await raw(`/api/v1/streams/${stream.id}/thumbnail.jpg?quiet=1`);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${t.prism.httpPort}/api/v1/streams/${stream.id}/thumbnail.jpg`, { headers: { authorization: `Bearer ${t.token}` } })).ok, { what: "a thumbnail" });
    await raw(`/api/v1/streams/${stream.id}/thumbnail.jpg`);
    await sseHead(`/api/v1/streams/${stream.id}/preview.flv`);
    await call("GET", `/api/v1/streams/${stream.id}/health/history`);
    await call("GET", "/api/v1/streams/no-such-stream/health/history");
    await raw("/metrics");
    await publisher.stop();
    await call("DELETE", `${base}/${dest.id}`);

    // Tokens and scopes.
    const { body: reader } = await call("POST", "/api/v1/tokens", { name: "doc reader", scopes: ["read"] });
    await call("POST", "/api/v1/tokens", { name: "doc reader", scopes: ["read"] });
    await call("POST", "/api/v1/tokens", { name: "bad", scopes: ["root"] });
    await call("GET", "/api/v1/tokens");
    await call("GET", "/api/v1/tokens", undefined, { token: reader.token });
    await call("PATCH", `/api/v1/streams/${stream.id}`, { name: "no" }, { token: reader.token });
    await call("POST", "/api/v1/tokens/admin/rotate");
    await call("DELETE", `/api/v1/tokens/${reader.id}`);
    await call("DELETE", `/api/v1/tokens/${reader.id}`);
    await call("DELETE", `/api/v1/streams/${stream.id}`);
    await call("DELETE", `/api/v1/streams/${stream.id}`);

    const mine = operations().filter(({ path }) => !AUTOMATION_PATHS.test(path) && !SCHEDULE_PATHS.test(path) && !CHECKED_ELSEWHERE.test(path) && !CHAT.test(path) && !SESSIONS.test(path) && !PLATFORM_WEBHOOK.test(path) && !RECORDINGS_PATHS.test(path) && !MEDIA.test(path));
    const unexercised = mine.map((o) => o.key).filter((key) => !checker.exercised.has(key));
    expect(unexercised, "operations no real answer was checked for").toEqual([]);
  });
});
