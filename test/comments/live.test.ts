import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { TEST_TOKEN, waitFor } from "../support/prism.js";
import { TestChat, goLive, message, openSse, startChatPrism, type ChatPrism } from "./support.js";

describe("live delivery of the feed", () => {
  const twitch = new TestChat("twitch");
  const youtube = new TestChat("youtube");
  let t: ChatPrism;
  let streamId: string;
  let n = 0;
  const push = (chat: TestChat, count: number) => {
    for (let i = 0; i < count; i++) chat.push(message(`${chat.platform} ${++n}`, new Date(), `a${n % 3}`, `${chat.platform}-${n}`));
  };

  beforeAll(async () => {
    t = await startChatPrism({ twitch, youtube }, { reorderWindowMs: 100 });
    streamId = (await t.api("POST", "/api/v1/streams", { name: "Live chat" })).body.id;
    goLive(t.prism, streamId);
    await waitFor(() => twitch.reading && youtube.reading, { what: "readers open" });
  });
  afterAll(async () => {
    await t.stop();
  });

  it("SSE: a client that reconnects with Last-Event-ID gets every message it missed, once, then the live ones", async () => {
    const url = `${t.base}/api/v1/streams/${streamId}/comments/stream`;
    const auth = { authorization: `Bearer ${TEST_TOKEN}` };
    const first = await openSse(url, auth);
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toContain("text/event-stream");
    push(twitch, 5);
    push(youtube, 5);
    await waitFor(() => first.comments().length === 10, { what: "ten live comments" });
    const lastId = first.events.filter((e) => e.id).at(-1)!.id!;
    await first.close();

    // Messages that arrive while the client is away.
    push(twitch, 20);
    push(youtube, 20);
    await waitFor(async () => (await t.api("GET", `/api/v1/streams/${streamId}/comments?limit=500`)).body.comments.length === 50, { what: "all stored" });

    const second = await openSse(url, { ...auth, "last-event-id": lastId });
    push(twitch, 5);
    await waitFor(() => second.comments().length === 45, { what: "missed + live comments" });
    await new Promise((r) => setTimeout(r, 300));
    await second.close();

    const seen = [...first.comments(), ...second.comments()];
    const { body: history } = await t.api("GET", `/api/v1/streams/${streamId}/comments?limit=500`);
    expect(seen.map((c) => c.id)).toEqual(history.comments.map((c: any) => c.id));
    expect(new Set(seen.map((c) => c.id)).size).toBe(55);
    // Event ids are the feed positions, strictly increasing.
    const ids = second.events.filter((e) => e.id).map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids[0]).toBeGreaterThan(Number(lastId));
  });

  it("SSE needs a token", async () => {
    const res = await fetch(`${t.base}/api/v1/streams/${streamId}/comments/stream`);
    expect(res.status).toBe(401);
  });

  it("WebSocket: delivers live and replayed messages, authenticated by header or subprotocol; never without a token", async () => {
    const wsUrl = `${t.base.replace("http", "ws")}/api/v1/streams/${streamId}/comments/ws`;
    const open = (url: string, protocols: string[] | undefined, headers?: Record<string, string>) =>
      new Promise<{ ws: WebSocket; frames: any[]; protocol: string }>((resolve, reject) => {
        const ws = new WebSocket(url, protocols, { headers });
        const frames: any[] = [];
        ws.on("message", (data) => frames.push(JSON.parse(String(data))));
        ws.once("open", () => resolve({ ws, frames, protocol: ws.protocol }));
        ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
        ws.once("error", reject);
      });

    const viaProtocol = await open(wsUrl, ["prism.chat", `bearer.${TEST_TOKEN}`]);
    expect(viaProtocol.protocol).toBe("prism.chat");
    const viaHeader = await open(wsUrl, ["prism.chat"], { authorization: `Bearer ${TEST_TOKEN}` });
    push(youtube, 3);
    await waitFor(() => viaProtocol.frames.length === 3 && viaHeader.frames.length === 3, { what: "three frames on each socket" });
    expect(viaProtocol.frames[0]).toMatchObject({ type: "comment", comment: { platform: "youtube", streamId } });
    expect(viaHeader.frames.map((f) => f.comment.id)).toEqual(viaProtocol.frames.map((f) => f.comment.id));

    // ?after= replays what came after a message first.
    const after = viaProtocol.frames[0].comment.seq;
    const replay = await open(`${wsUrl}?after=${after}`, ["prism.chat", `bearer.${TEST_TOKEN}`]);
    await waitFor(() => replay.frames.length === 2, { what: "replayed frames" });
    expect(replay.frames.map((f) => f.comment.id)).toEqual(viaProtocol.frames.slice(1).map((f) => f.comment.id));
    for (const s of [viaProtocol, viaHeader, replay]) s.ws.close();

    await expect(open(wsUrl, ["prism.chat"])).rejects.toThrow("HTTP 401");
    await expect(open(wsUrl, ["prism.chat", "bearer.wrong-token"])).rejects.toThrow("HTTP 401");
    await expect(open(`${t.base.replace("http", "ws")}/api/v1/streams/nope/comments/ws`, ["prism.chat", `bearer.${TEST_TOKEN}`])).rejects.toThrow("HTTP 404");
    // A plain GET on the WebSocket path says what to do.
    const plain = await t.api("GET", `/api/v1/streams/${streamId}/comments/ws`);
    expect(plain.status).toBe(426);
  });
});

describe("shutdown with chat clients connected", () => {
  it("ends open WebSockets and SSE streams instead of waiting for them", async () => {
    const t = await startChatPrism({});
    const id = (await t.api("POST", "/api/v1/streams", { name: "Closing" })).body.id;
    const ws = new WebSocket(`${t.base.replace("http", "ws")}/api/v1/streams/${id}/comments/ws`, ["prism.chat", `bearer.${TEST_TOKEN}`]);
    await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
    const closed = new Promise((resolve) => ws.once("close", resolve));
    const sse = await openSse(`${t.base}/api/v1/streams/${id}/comments/stream`, { authorization: `Bearer ${TEST_TOKEN}` });
    const started = Date.now();
    await t.stop();
    expect(Date.now() - started).toBeLessThan(3_000);
    await closed;
    await sse.close();
  });
});
