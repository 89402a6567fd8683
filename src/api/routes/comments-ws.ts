import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocket, WebSocketServer } from "ws";
import { lazyModule } from "../../core/lazy-module.js";
import type { StreamsStore } from "../../db/store.js";
import type { CommentsApi, FeedEvent } from "../../comments/index.js";
import { mayAccess, type Authenticator } from "../auth.js";
import { errorBody } from "../errors.js";
import { API_PREFIX } from "../paths.js";
import { feedJson } from "./comments-sse.js";

/** ws loads with the first chat feed a client opens, not with every Prism. */
const ws = lazyModule<typeof import("ws")>(import.meta.url, "ws");

const PATH = new RegExp(`^${API_PREFIX}/streams/([^/]+)/comments/ws$`);
export const WS_PROTOCOL = "prism.chat";
const TOKEN_PROTOCOL = "bearer.";
/** A socket this far behind is closed; it reconnects with ?after=<last seq> and loses nothing. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/**
 * The live feed over WebSocket (`ws`). Browsers cannot set an Authorization header on a WebSocket,
 * so the token may come as a `bearer.<token>` subprotocol instead; it is never accepted in the URL,
 * where proxies and logs would keep it.
 */
export function commentsWebSocket(deps: { auth: Authenticator; streams: StreamsStore; comments: CommentsApi }) {
  let wss: WebSocketServer | undefined;
  const server = () => (wss ??= new (ws().WebSocketServer)({ noServer: true, handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false) }));

  const refuse = (socket: Duplex, status: number, reason: string, code: string, message: string) => {
    const body = JSON.stringify(errorBody(code, message));
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  };

  const tokenOf = (req: IncomingMessage): string | undefined => {
    const header = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
    if (header) return header[1];
    const protocols = (req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim());
    return protocols.find((p) => p.startsWith(TOKEN_PROTOCOL))?.slice(TOKEN_PROTOCOL.length) || undefined;
  };

  const serve = (client: WebSocket, streamId: string, after: number | null) => {
    let closed = false;
    let off: (() => void) | null = null;
    const end = () => {
      closed = true;
      off?.();
    };
    client.on("close", end);
    client.on("error", end);
    deps.comments
      .follow(streamId, after, (events: readonly FeedEvent[]) => {
        if (client.bufferedAmount > MAX_BUFFERED_BYTES) return client.terminate();
        for (const e of events) client.send(e.type === "comment" ? `{"type":"comment","comment":${feedJson(e)}}` : `{"type":"removed",${feedJson(e).slice(1)}`);
      })
      .then(
        (unsubscribe) => (closed ? unsubscribe() : (off = unsubscribe)),
        // The backlog could not be read: the client reconnects with ?after= and loses nothing.
        () => client.terminate(),
      );
  };

  /** The checks that need the store, once the request is known to be ours; each refusal ends the socket. */
  const admit = async (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, streamId: string) => {
    const token = tokenOf(req);
    const principal = token ? await deps.auth.principalFor(token) : undefined;
    if (!principal) {
      refuse(socket, 401, "Unauthorized", "unauthorized", "Send an API token as 'Authorization: Bearer <token>' or as the WebSocket subprotocol 'bearer.<token>' next to 'prism.chat'.");
      return;
    }
    if (!mayAccess(principal, "GET", url.pathname, "read")) {
      refuse(socket, 403, "Forbidden", "forbidden", `The token "${principal.name}" lacks the read (or moderate) scope.`);
      return;
    }
    if (!(await deps.streams.get(streamId))) {
      refuse(socket, 404, "Not Found", "not_found", "Stream not found.");
      return;
    }
    const unavailable = deps.comments.feedUnavailable(streamId);
    if (unavailable) {
      refuse(socket, 503, "Service Unavailable", "cluster_unavailable", unavailable);
      return;
    }
    const afterRaw = url.searchParams.get("after");
    const after = afterRaw && /^\d{1,15}$/.test(afterRaw) ? Number(afterRaw) : null;
    server().handleUpgrade(req, socket, head, (client) => serve(client, streamId, after));
  };

  return {
    /** For the HTTP server's `upgrade` event: true when this request was ours. */
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
      const url = new URL(req.url ?? "/", "http://prism");
      const match = PATH.exec(url.pathname);
      if (!match) return false;
      void admit(req, socket, head, url, decodeURIComponent(match[1]!)).catch(() =>
        refuse(socket, 503, "Service Unavailable", "store_unavailable", "Prism could not read its store; try again in a moment."),
      );
      return true;
    },
    close(): void {
      if (!wss) return;
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}
