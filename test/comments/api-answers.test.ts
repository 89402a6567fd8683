import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenApiChecker } from "../api/openapi-check.js";
import { TEST_TOKEN, waitFor } from "../support/prism.js";
import { TestChat, goLive, message, startChatPrism, type ChatPrism } from "./support.js";

/** The chat routes answer what the OpenAPI document says they answer, errors included. */
describe("the chat API as documented", () => {
  const twitch = new TestChat("twitch");
  let t: ChatPrism;
  let checker: OpenApiChecker;
  const chat = /^\/api\/v1\/streams\/\{id\}\/(comments|chat-filters|chat-blocks|chat-modes|overlay-token)(\/|$)|^\/overlay\//;

  beforeAll(async () => {
    t = await startChatPrism({ twitch }, { reorderWindowMs: 20 });
    checker = new OpenApiChecker((await t.api("GET", "/api/v1/openapi.json", undefined, null)).body);
  });
  afterAll(async () => {
    await t.stop();
  });

  const call = async (method: string, path: string, body?: unknown, token: string | null = TEST_TOKEN) => {
    const res = await t.api(method, path, body, token);
    checker.check(method, path, res);
    return res;
  };
  /** An event stream: its first bytes are enough to check the status and media type. */
  const stream = async (path: string, headers: Record<string, string> = {}) => {
    const controller = new AbortController();
    const res = await fetch(t.base + path, { headers, signal: controller.signal });
    let text = "";
    if (res.headers.get("content-type")?.startsWith("text/event-stream")) {
      const reader = res.body!.getReader();
      text = new TextDecoder().decode((await reader.read()).value);
      controller.abort();
    } else text = await res.text();
    checker.check("GET", path, { status: res.status, text, headers: res.headers });
    return res.status;
  };

  it("every chat operation, with its errors", async () => {
    const { body: s } = await t.api("POST", "/api/v1/streams", { name: "Documented chat" });
    const base = `/api/v1/streams/${s.id}`;
    goLive(t.prism, s.id);
    await waitFor(() => twitch.reading, { what: "reader open" });
    twitch.push(message("hello", new Date(), "ann", "doc-1"));
    await waitFor(async () => (await t.api("GET", `${base}/comments`)).body.comments.length === 1, { what: "a comment" });

    const { body: page } = await call("GET", `${base}/comments?limit=10&include=flagged`);
    await call("GET", `${base}/comments?limit=9999`);
    await call("GET", "/api/v1/streams/nope/comments");
    expect(await stream(`${base}/comments/stream`, { authorization: `Bearer ${TEST_TOKEN}`, "last-event-id": "0" })).toBe(200);
    expect(await stream("/api/v1/streams/nope/comments/stream", { authorization: `Bearer ${TEST_TOKEN}` })).toBe(404);
    await call("GET", `${base}/comments/ws`);
    await call("GET", "/api/v1/streams/nope/comments/ws");
    await call("POST", `${base}/comments`, { text: "Hi all" });
    await call("POST", `${base}/comments`, { text: "" });
    await call("POST", `${base}/comments`, { text: "hi", platforms: ["kick"] });
    await call("POST", `${base}/comments/${page.comments[0].id}/hide`);
    await call("POST", `${base}/comments/cmt_nope/hide`);

    const { body: filter } = await call("POST", `${base}/chat-filters`, { kind: "word", pattern: "spoiler" });
    await call("POST", `${base}/chat-filters`, { kind: "regex", pattern: "(a+)+" });
    await call("GET", `${base}/chat-filters`);
    await call("GET", "/api/v1/streams/nope/chat-filters");
    await call("DELETE", `${base}/chat-filters/${filter.id}`);
    await call("DELETE", `${base}/chat-filters/${filter.id}`);

    await call("POST", `${base}/chat-blocks`, { platform: "twitch", authorId: "id-ann" });
    await call("POST", `${base}/chat-blocks`, { platform: "" });
    await call("GET", `${base}/chat-blocks`);
    await call("DELETE", `${base}/chat-blocks/twitch/id-ann`);
    await call("DELETE", `${base}/chat-blocks/twitch/id-ann`);

    await call("PUT", `${base}/chat-modes`, { slowSec: 30, followersOnly: { minFollowMinutes: 10 }, subscribersOnly: true, emoteOnly: false });
    await call("PUT", `${base}/chat-modes`, { slowSec: 0, subscribersOnly: true, emoteOnly: false });
    await call("PUT", "/api/v1/streams/nope/chat-modes", { subscribersOnly: false, emoteOnly: false });
    await call("GET", `${base}/chat-modes`);
    await call("GET", "/api/v1/streams/nope/chat-modes");

    const { body: overlay } = await call("POST", `${base}/overlay-token`);
    await call("POST", "/api/v1/streams/nope/overlay-token");
    await call("GET", `/overlay/chat/${overlay.token}`, undefined, null);
    await call("GET", "/overlay/chat/prism_ovl_wrong", undefined, null);
    expect(await stream(`/overlay/chat/${overlay.token}/feed`)).toBe(200);
    expect(await stream("/overlay/chat/prism_ovl_wrong/feed")).toBe(404);

    const ops = Object.entries<Record<string, unknown>>(checker.doc.paths).flatMap(([path, item]) =>
      chat.test(path) ? Object.keys(item).filter((m) => ["get", "post", "patch", "put", "delete"].includes(m)).map((m) => `${m} ${path}`) : [],
    );
    expect(ops.length).toBeGreaterThanOrEqual(15);
    expect(ops.filter((key) => !checker.exercised.has(key)), "chat operations no real answer was checked for").toEqual([]);
  });
});
