import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { HTTP_METHODS } from "./openapi-check.js";
import { startTestPrism, type TestPrism } from "../support/prism.js";

type Json = Record<string, any>;

/**
 * What a `moderate` token may reach, written out independently of src/api/auth.ts: the stream's chat
 * (any method) and reading streams and their health. Everything else in the OpenAPI document must
 * answer 403, so a route added later is covered without touching this test.
 */
const CHAT = /^\/api\/v1\/streams\/\{id\}\/(comments|chat-filters|chat-blocks|chat-modes)(\/|$)/;
const READS = new Set(["/api/v1/streams", "/api/v1/streams/{id}", "/api/v1/streams/{id}/health", "/api/v1/streams/{id}/health/stream"]);
const moderatorMay = (method: string, path: string) => CHAT.test(path) || (method === "get" && READS.has(path));

/** The documented example of an operation's JSON body, so allowed routes get a request they can act on. */
function exampleBody(op: Json, doc: Json): unknown {
  const media = op.requestBody?.content?.["application/json"];
  if (!media) return undefined;
  if (media.example !== undefined) return media.example;
  const ref = media.schema?.$ref as string | undefined;
  const schema = ref ? doc.components.schemas[ref.split("/").pop()!] : media.schema;
  return schema?.example ?? {};
}

describe("the moderate scope", () => {
  let t: TestPrism;
  let base: string;
  let moderator: string;
  let streamId: string;
  beforeAll(async () => {
    t = await startTestPrism();
    base = `http://127.0.0.1:${t.prism.httpPort}`;
    const created = await t.api("POST", "/api/v1/tokens", { name: "mod", scopes: ["moderate"] });
    expect(created.status, created.text).toBe(201);
    expect(created.body.scopes).toEqual(["moderate"]);
    moderator = created.body.token;
    streamId = (await t.api("POST", "/api/v1/streams", { name: "Moderated" })).body.id;
  });
  afterAll(async () => {
    await t.stop();
  });

  /** Status of one request; endless event streams are cut once their headers are in. */
  async function statusOf(method: string, path: string, body: unknown): Promise<{ status: number; text: string }> {
    const abort = new AbortController();
    const res = await fetch(base + path, {
      method: method.toUpperCase(),
      signal: abort.signal,
      headers: { authorization: `Bearer ${moderator}`, ...(body !== undefined && { "content-type": "application/json" }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    if (res.headers.get("content-type")?.startsWith("text/event-stream")) {
      abort.abort();
      return { status: res.status, text: "(event stream)" };
    }
    return { status: res.status, text: await res.text() };
  }

  it("gets 403 on every documented route outside chat, streams and health, and through on those", async () => {
    const doc = (await t.api("GET", "/api/v1/openapi.json", undefined, { token: null })).body as Json;
    const allowed: string[] = [];
    const refused: string[] = [];
    for (const [template, item] of Object.entries<Json>(doc.paths)) {
      for (const method of HTTP_METHODS) {
        const op = item[method];
        // Public routes and the action URLs (their own token) are not the Bearer token's business.
        if (!op || !op.security?.length) continue;
        const path = template
          .replace("{id}", streamId)
          .replace("{platform}", "twitch")
          .replace(/\{[^}]+\}/g, "00000000-0000-4000-8000-000000000000");
        const { status, text } = await statusOf(method, path, exampleBody(op, doc));
        const label = `${method.toUpperCase()} ${template} → ${status} ${text.slice(0, 160)}`;
        if (moderatorMay(method, template)) {
          expect([401, 403], label).not.toContain(status);
          allowed.push(label);
        } else {
          expect(status, label).toBe(403);
          expect(JSON.parse(text).error.code, label).toBe("forbidden");
          refused.push(label);
        }
      }
    }
    // The document really has both kinds: the chat routes and the rest.
    expect(allowed.filter((l) => l.includes("/chat-modes")).length).toBe(2);
    expect(allowed.length).toBeGreaterThanOrEqual(12);
    expect(refused.length).toBeGreaterThanOrEqual(20);
    expect(refused.some((l) => l.startsWith("POST /api/v1/streams/{id}/overlay-token"))).toBe(true);
    expect(refused.some((l) => l.startsWith("POST /api/v1/tokens "))).toBe(true);
  });

  it("does the Chat page's work: filters, blocks, sending, the history", async () => {
    const as = { token: moderator };
    // A stream of its own: the sweep above added what the documented examples add.
    const streamId = (await t.api("POST", "/api/v1/streams", { name: "Chat page" })).body.id;
    const filter = await t.api("POST", `/api/v1/streams/${streamId}/chat-filters`, { kind: "word", pattern: "spoiler" }, as);
    expect(filter.status, filter.text).toBe(201);
    expect((await t.api("GET", `/api/v1/streams/${streamId}/chat-filters`, undefined, as)).body).toHaveLength(1);
    expect((await t.api("DELETE", `/api/v1/streams/${streamId}/chat-filters/${filter.body.id}`, undefined, as)).status).toBe(204);
    const block = await t.api("POST", `/api/v1/streams/${streamId}/chat-blocks`, { platform: "twitch", authorId: "troll-1" }, as);
    expect(block.status, block.text).toBe(200);
    expect((await t.api("DELETE", `/api/v1/streams/${streamId}/chat-blocks/twitch/troll-1`, undefined, as)).status).toBe(204);
    expect((await t.api("GET", `/api/v1/streams/${streamId}/comments`, undefined, as)).status).toBe(200);
    // No linked chat on this stream: the API says so (409), which is not a refusal of the token.
    expect((await t.api("POST", `/api/v1/streams/${streamId}/comments`, { text: "hi" }, as)).status).toBe(409);
  });

  it("cannot read the stream key, change a stream or manage tokens, and says why", async () => {
    const as = { token: moderator };
    const stream = await t.api("GET", `/api/v1/streams/${streamId}`, undefined, as);
    expect(stream.status).toBe(200);
    expect(stream.text).not.toContain((await t.api("POST", `/api/v1/streams/${streamId}/reveal-key`)).body.streamKey);
    const reveal = await t.api("POST", `/api/v1/streams/${streamId}/reveal-key`, undefined, as);
    expect(reveal.status).toBe(403);
    expect(reveal.body.error.message).toMatch(/moderate token reaches only the stream chat routes/);
    expect((await t.api("GET", "/metrics", undefined, as)).status).toBe(403);
    // The chat WebSocket's own check lets a moderator in (426 for a plain GET: it is a WebSocket route).
    expect((await t.api("GET", `/api/v1/streams/${streamId}/comments/ws`, undefined, as)).status).toBe(426);
    const ws = new WebSocket(`ws://127.0.0.1:${t.prism.httpPort}/api/v1/streams/${streamId}/comments/ws`, ["prism.chat", `bearer.${moderator}`]);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("unexpected-response", (_req, res) => reject(new Error(`the chat WebSocket refused a moderate token: ${res.statusCode}`)));
      ws.once("error", reject);
    });
    ws.close();
  });
});
