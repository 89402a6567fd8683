import { randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
// twurple marks the raw wire types @private and exports only its package roots; the files are read by path.
import type { HelixEventSubSubscriptionData, HelixPaginatedEventSubSubscriptionsResponse } from "../../node_modules/@twurple/api/lib/interfaces/endpoints/eventSub.external.js";
import type { EventSubChannelChatMessageEventData } from "../../node_modules/@twurple/eventsub-base/lib/events/EventSubChannelChatMessageEvent.external.js";
import { WebSocketServer, type WebSocket } from "ws";
import type { FakeAnswer, FakeRequest } from "./http.js";
import type { FakeUser } from "./oauth-server.js";

export type ChatMessageEventData = EventSubChannelChatMessageEventData;

/** EventSub WebSocket frames (Twitch's reference, "EventSub WebSocket messages"). */
interface Frame {
  metadata: { message_id: string; message_type: string; message_timestamp: string; subscription_type?: string; subscription_version?: string };
  payload: Record<string, unknown>;
}

interface Session {
  id: string;
  socket: WebSocket;
  subscriptions: HelixEventSubSubscriptionData[];
  keepalive: NodeJS.Timeout;
}

export interface Chatter {
  id: string;
  login: string;
  name: string;
  color?: string;
  badges?: Array<{ set_id: string; id: string; info?: string }>;
}

const helixError = (status: number, error: string, message: string): FakeAnswer => ({ status, body: { error, status, message } });

/**
 * Twitch's EventSub WebSocket server and the Helix calls around chat: subscriptions to
 * `channel.chat.message` bound to a session, chat sends (echoed back as chat messages, as Twitch
 * does), message deletes and bans. Like Twitch, it keeps no chat history: a message said while no
 * session is subscribed reaches nobody.
 */
export class TwitchEventSubFake {
  readonly sessions = new Map<string, Session>();
  readonly sent: Array<{ broadcaster_id: string; sender_id: string; message: string }> = [];
  readonly deleted: string[] = [];
  readonly bans: Array<{ broadcaster_id: string; user_id: string }> = [];
  /** Every subscription request, in order (session id). */
  readonly subscribeCalls: string[] = [];
  /** Every socket that was opened: its path and query. */
  readonly connections: string[] = [];
  private readonly wss: WebSocketServer;
  private readonly server: ReturnType<typeof createServer>;
  url = "";

  private constructor(private readonly streamer: FakeUser) {
    this.server = createServer();
    this.wss = new WebSocketServer({ server: this.server });
    this.wss.on("connection", (socket, req) => this.connected(socket, new URL(req.url ?? "/", "http://fake.invalid")));
  }

  static async start(streamer: FakeUser): Promise<TwitchEventSubFake> {
    const fake = new TwitchEventSubFake(streamer);
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
    fake.url = `ws://127.0.0.1:${(fake.server.address() as AddressInfo).port}/ws`;
    return fake;
  }

  private connected(socket: WebSocket, url: URL) {
    this.connections.push(url.pathname + url.search);
    const keepaliveSeconds = Number(url.searchParams.get("keepalive_timeout_seconds") ?? 10);
    // A reconnect URL names the session it replaces: its subscriptions move to the new one.
    const from = url.searchParams.get("reconnect") ? this.sessions.get(url.searchParams.get("reconnect")!) : undefined;
    const session: Session = {
      id: `AQoQ${randomBytes(12).toString("hex")}`,
      socket,
      subscriptions: from ? from.subscriptions : [],
      keepalive: setInterval(() => this.frame(session, "session_keepalive", {}), keepaliveSeconds * 1000),
    };
    if (from) from.subscriptions = [];
    this.sessions.set(session.id, session);
    socket.on("close", () => {
      clearInterval(session.keepalive);
      this.sessions.delete(session.id);
    });
    this.frame(session, "session_welcome", {
      session: { id: session.id, status: "connected", connected_at: new Date().toISOString(), keepalive_timeout_seconds: from ? null : keepaliveSeconds, reconnect_url: null, recovery_url: null },
    });
  }

  private frame(session: Session, type: string, payload: Record<string, unknown>, subscription?: HelixEventSubSubscriptionData) {
    const frame: Frame = {
      metadata: {
        message_id: randomUUID(),
        message_type: type,
        message_timestamp: new Date().toISOString(),
        ...(subscription && { subscription_type: subscription.type, subscription_version: subscription.version }),
      },
      payload,
    };
    if (session.socket.readyState === session.socket.OPEN) session.socket.send(JSON.stringify(frame));
  }

  /** A viewer says something in the streamer's chat. `emotes` are [emote id, word] pairs placed by word. */
  say(chatter: Chatter, text: string, emotes: Record<string, string> = {}): ChatMessageEventData {
    const fragments: ChatMessageEventData["message"]["fragments"] = [];
    for (const [i, word] of text.split(" ").entries()) {
      const piece = (i ? " " : "") + word;
      const emoteId = Object.entries(emotes).find(([, w]) => w === word)?.[0];
      if (emoteId) {
        if (i) fragments.push({ type: "text", text: " " });
        fragments.push({ type: "emote", text: word, emote: { id: emoteId, emote_set_id: "0", owner_id: "0", format: ["static"] } });
      } else {
        const last = fragments.at(-1);
        if (last?.type === "text") last.text += piece;
        else fragments.push({ type: "text", text: piece });
      }
    }
    const event: ChatMessageEventData = {
      broadcaster_user_id: this.streamer.id,
      broadcaster_user_login: this.streamer.login,
      broadcaster_user_name: this.streamer.displayName,
      chatter_user_id: chatter.id,
      chatter_user_login: chatter.login,
      chatter_user_name: chatter.name,
      message_id: randomUUID(),
      message: { text, fragments },
      message_type: "text",
      badges: (chatter.badges ?? []).map((b) => ({ info: "", ...b })),
      cheer: null,
      color: chatter.color ?? "",
      reply: null,
      channel_points_custom_reward_id: null,
      source_broadcaster_user_id: null,
      source_broadcaster_user_login: null,
      source_broadcaster_user_name: null,
      source_message_id: null,
      source_badges: null,
      is_source_only: null,
    };
    this.deliver(event);
    return event;
  }

  /** Sends a notification to every session subscribed for the broadcaster (`times` > 1: a duplicate delivery). */
  deliver(event: ChatMessageEventData, times = 1) {
    for (const session of this.sessions.values()) {
      const sub = session.subscriptions.find((s) => s.type === "channel.chat.message" && s.condition.broadcaster_user_id === event.broadcaster_user_id);
      for (let i = 0; sub && i < times; i++) this.frame(session, "notification", { subscription: sub, event }, sub);
    }
  }

  /** Twitch moves the client: `session_reconnect` with a URL that takes the subscriptions along. */
  requestReconnect() {
    for (const session of this.sessions.values()) {
      this.frame(session, "session_reconnect", {
        session: { id: session.id, status: "reconnecting", keepalive_timeout_seconds: null, reconnect_url: `${this.url}?reconnect=${session.id}`, connected_at: new Date().toISOString() },
      });
    }
  }

  /** Cuts every socket without a close frame, as a network failure would. */
  kill() {
    for (const session of this.sessions.values()) session.socket.terminate();
  }

  /** Stops sending keepalives (the socket stays open but silent). */
  silence() {
    for (const session of this.sessions.values()) clearInterval(session.keepalive);
  }

  revoke() {
    for (const session of this.sessions.values()) {
      for (const sub of session.subscriptions) this.frame(session, "revocation", { subscription: { ...sub, status: "authorization_revoked" } }, sub);
      session.subscriptions = [];
    }
  }

  /** The Helix chat routes, for a caller the Twitch fake has authenticated; undefined for other routes. */
  helix(req: FakeRequest, user: FakeUser, scopes: string[]): FakeAnswer | undefined {
    const q = req.url.searchParams;
    const need = (scope: string) => (scopes.includes(scope) ? undefined : helixError(401, "Unauthorized", `Missing scope: ${scope}`));
    switch (`${req.method} ${req.url.pathname}`) {
      case "POST /helix/eventsub/subscriptions": {
        const input = req.json<{ type: string; version: string; condition: Record<string, string>; transport: { method: string; session_id?: string } }>();
        this.subscribeCalls.push(input.transport.session_id ?? "");
        if (input.type !== "channel.chat.message" || input.version !== "1") return helixError(400, "Bad Request", "unsupported type/version");
        const missing = need("user:read:chat");
        if (missing) return { ...missing, status: 403, body: { error: "Forbidden", status: 403, message: "subscription missing proper authorization" } };
        if (input.condition.user_id !== user.id) return helixError(403, "Forbidden", "subscription missing proper authorization");
        const session = input.transport.method === "websocket" ? this.sessions.get(input.transport.session_id ?? "") : undefined;
        if (!session) return helixError(400, "Bad Request", "websocket transport session does not exist or has already disconnected");
        if (session.subscriptions.some((s) => s.type === input.type)) return helixError(409, "Conflict", "subscription already exists");
        const sub: HelixEventSubSubscriptionData = {
          id: randomUUID(),
          status: "enabled",
          type: input.type,
          version: input.version,
          cost: 0,
          condition: input.condition,
          created_at: new Date().toISOString(),
          // Twitch adds disconnected_at only when listing subscriptions of a lost socket; twurple's type always has it.
          transport: { method: "websocket", session_id: session.id, connected_at: new Date().toISOString() } as HelixEventSubSubscriptionData["transport"],
        };
        session.subscriptions.push(sub);
        const body: HelixPaginatedEventSubSubscriptionsResponse = { data: [sub], total: 1, total_cost: 0, max_total_cost: 10, pagination: {} };
        return { status: 202, body };
      }
      case "POST /helix/chat/messages": {
        const missing = need("user:write:chat");
        if (missing) return missing;
        const input = req.json<{ broadcaster_id: string; sender_id: string; message: string }>();
        if (input.sender_id !== user.id) return helixError(403, "Forbidden", "The sender must match the user ID in the access token.");
        if (!input.message || input.message.length > 500) return helixError(400, "Bad Request", "The message is too long.");
        this.sent.push(input);
        const echoed = this.say({ id: user.id, login: user.login, name: user.displayName, badges: [{ set_id: "broadcaster", id: "1" }] }, input.message);
        return { status: 200, body: { data: [{ message_id: echoed.message_id, is_sent: true, drop_reason: null }] } };
      }
      case "DELETE /helix/moderation/chat": {
        const missing = need("moderator:manage:chat_messages");
        if (missing) return missing;
        if (q.get("moderator_id") !== user.id) return helixError(403, "Forbidden", "The moderator_id must match the user ID in the access token.");
        this.deleted.push(q.get("message_id") ?? "");
        return { status: 204 };
      }
      case "POST /helix/moderation/bans": {
        const missing = need("moderator:manage:banned_users");
        if (missing) return missing;
        const input = req.json<{ data: { user_id: string } }>();
        this.bans.push({ broadcaster_id: q.get("broadcaster_id") ?? "", user_id: input.data.user_id });
        return { status: 200, body: { data: [{ broadcaster_id: q.get("broadcaster_id"), moderator_id: user.id, user_id: input.data.user_id, created_at: new Date().toISOString(), end_time: null }] } };
      }
      default:
        return undefined;
    }
  }

  async close() {
    for (const session of this.sessions.values()) {
      clearInterval(session.keepalive);
      session.socket.terminate();
    }
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
