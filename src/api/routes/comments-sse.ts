import type { ServerResponse } from "node:http";
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { ChatComment, CommentsApi, FeedEvent } from "../../comments/index.js";
import { errorBody } from "../errors.js";

/** A subscriber further behind than this is cut; it reconnects with Last-Event-ID and loses nothing. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const KEEPALIVE_MS = 15_000;

export const commentView = (c: ChatComment) => ({
  id: c.id,
  seq: c.seq,
  platform: c.platform,
  streamId: c.streamId,
  author: c.author,
  text: c.text,
  kind: c.kind,
  ...(c.amount ? { amount: c.amount } : {}),
  ...(c.emotes ? { emotes: c.emotes } : {}),
  sentAt: c.sentAt.toISOString(),
  receivedAt: c.receivedAt.toISOString(),
  flagged: c.flagged,
  hidden: c.hidden,
});

// One comment goes to every subscriber: serialize it once, not once per connection.
const serialized = new WeakMap<object, string>();
const once = (key: object, make: () => string) => {
  let s = serialized.get(key);
  if (s === undefined) serialized.set(key, (s = make()));
  return s;
};

export const feedJson = (e: FeedEvent) =>
  once(e.type === "comment" ? e.comment : e, () => (e.type === "comment" ? JSON.stringify(commentView(e.comment)) : JSON.stringify({ ids: e.ids, reason: e.reason })));

const frame = (e: FeedEvent): string => (e.type === "comment" ? `id: ${e.comment.seq}\nevent: comment\ndata: ${feedJson(e)}\n\n` : `event: removed\ndata: ${feedJson(e)}\n\n`);

// Every subscriber of a batch writes the same bytes: build and encode them once per batch.
const encoded = new WeakMap<readonly FeedEvent[], Uint8Array>();
const encoder = new TextEncoder();
const framesOf = (events: readonly FeedEvent[]) => {
  let bytes = encoded.get(events);
  if (!bytes) encoded.set(events, (bytes = encoder.encode(events.map(frame).join(""))));
  return bytes;
};

export const FEED_UNAVAILABLE_EXAMPLE =
  "This node has lost its connection to NATS (nats://nats:4222), which carries the chat of streams live on other nodes; it is reconnecting, try again in a few seconds.";

/** The event id a reconnecting EventSource sends back, or null for a fresh client (live from now). */
export function lastEventId(c: Context): number | null {
  const raw = c.req.header("last-event-id");
  if (!raw || !/^\d{1,15}$/.test(raw.trim())) return null;
  return Number(raw.trim());
}

/**
 * A stream's feed as Server-Sent Events: the missed messages first (Last-Event-ID), then live.
 * Events released together are written together, one write per batch rather than per message.
 * Under Node the bytes go straight to the socket: with 100 subscribers at thousands of messages a
 * second, the web-stream plumbing between a handler and the response cost more than the feed itself.
 */
export function sseFeed(c: Context, comments: CommentsApi, streamId: string, afterSeq: number | null): Response {
  // In a cluster, cut off from the node that reads this chat: a clear answer rather than a feed that stays silent.
  const unavailable = comments.feedUnavailable(streamId);
  if (unavailable) return c.json(errorBody("cluster_unavailable", unavailable), 503, { "Retry-After": "2" });
  const res = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (!res) return sseViaWebStream(c, comments, streamId, afterSeq);
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive", "x-accel-buffering": "no" });
  res.write("retry: 1000\n\n");
  let closed = false;
  let off: (() => void) | null = null;
  const keepalive = setInterval(() => res.write(": keepalive\n\n"), KEEPALIVE_MS);
  res.once("close", () => {
    closed = true;
    clearInterval(keepalive);
    off?.();
  });
  comments
    .follow(streamId, afterSeq, (events) => {
      if (closed) return;
      res.write(framesOf(events));
      if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
    })
    .then(
      (unsubscribe) => (closed ? unsubscribe() : (off = unsubscribe)),
      // The backlog could not be read: the client reconnects with its Last-Event-ID.
      () => res.destroy(),
    );
  return RESPONSE_ALREADY_SENT;
}

/** The same through hono's streamSSE, where there is no Node response to write to (app.request in-process). */
function sseViaWebStream(c: Context, comments: CommentsApi, streamId: string, afterSeq: number | null): Response {
  return streamSSE(c, async (stream) => {
    let queue: Uint8Array[] = [];
    let queued = 0;
    let writing = false;
    let closed = false;
    const flush = async () => {
      if (writing) return;
      writing = true;
      while (queue.length > 0 && !closed) {
        const out = queue;
        queue = [];
        queued = 0;
        for (const chunk of out) await stream.write(chunk);
      }
      writing = false;
    };
    await stream.write("retry: 1000\n\n");
    const off = await comments.follow(streamId, afterSeq, (events) => {
      if (closed) return;
      const bytes = framesOf(events);
      queue.push(bytes);
      queued += bytes.length;
      if (queued > MAX_BUFFERED_BYTES) {
        closed = true;
        void stream.close();
        return;
      }
      if (!writing) void flush();
    });
    stream.onAbort(() => {
      closed = true;
      off();
    });
    try {
      while (!closed && !stream.aborted) {
        await stream.sleep(KEEPALIVE_MS);
        if (!closed && !writing) await stream.write(": keepalive\n\n");
      }
    } finally {
      closed = true;
      off();
    }
  });
}
