import { randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
// twurple marks the raw wire types @private and exports only its package roots; the files are read by path.
import type {
  HelixEventSubSubscriptionData,
  HelixEventSubWebSocketTransportData,
  HelixPaginatedEventSubSubscriptionsResponse,
} from "../../node_modules/@twurple/api/lib/interfaces/endpoints/eventSub.external.js";
import type { HelixPrivilegedChatSettingsData } from "../../node_modules/@twurple/api/lib/interfaces/endpoints/chat.external.js";
import type { EventSubChannelChatMessageEventData } from "../../node_modules/@twurple/eventsub-base/lib/events/EventSubChannelChatMessageEvent.external.js";
import type { EventSubChannelCheerEventData } from "../../node_modules/@twurple/eventsub-base/lib/events/EventSubChannelCheerEvent.external.js";
import type { EventSubChannelRaidEventData } from "../../node_modules/@twurple/eventsub-base/lib/events/EventSubChannelRaidEvent.external.js";
import type { EventSubChannelSubscriptionEventData } from "../../node_modules/@twurple/eventsub-base/lib/events/EventSubChannelSubscriptionEvent.external.js";
import type { EventSubChannelSubscriptionGiftEventData } from "../../node_modules/@twurple/eventsub-base/lib/events/EventSubChannelSubscriptionGiftEvent.external.js";
import type { EventSubChannelSubscriptionMessageEventData } from "../../node_modules/@twurple/eventsub-base/lib/events/EventSubChannelSubscriptionMessageEvent.external.js";
import { WebSocketServer, type WebSocket } from "ws";
import type { FakeAnswer, FakeRequest } from "./http.js";
import type { FakeUser } from "./oauth-server.js";

export type ChatMessageEventData = EventSubChannelChatMessageEventData;

/** The engagement events Twitch sends over the same socket, with their wire types (twurple's) and the scope each needs. */
export interface EngagementEvents {
  "channel.cheer": EventSubChannelCheerEventData;
  "channel.subscribe": EventSubChannelSubscriptionEventData;
  "channel.subscription.gift": EventSubChannelSubscriptionGiftEventData;
  "channel.subscription.message": EventSubChannelSubscriptionMessageEventData;
  "channel.raid": EventSubChannelRaidEventData;
}
/** Twitch's "EventSub subscription types": the authorization each needs (raids none). */
const ENGAGEMENT_SCOPES: Record<keyof EngagementEvents, string | null> = {
  "channel.cheer": "bits:read",
  "channel.subscribe": "channel:read:subscriptions",
  "channel.subscription.gift": "channel:read:subscriptions",
  "channel.subscription.message": "channel:read:subscriptions",
  "channel.raid": null,
};

/** EventSub WebSocket frames (Twitch's reference, "EventSub WebSocket messages"). */
interface Frame {
  metadata: { message_id: string; message_type: string; message_timestamp: string; subscription_type?: string; subscription_version?: string };
  payload: Record<string, unknown>;
}

interface Session {
  id: string;
  socket: WebSocket;
  keepalive: NodeJS.Timeout;
  /** The network between Prism and Twitch was cut: Twitch has not seen the socket end. */
  cut: boolean;
}

/** A websocket subscription: the transport always names its session. */
type Subscription = HelixEventSubSubscriptionData & { transport: HelixEventSubWebSocketTransportData };

export interface EventSubLimits {
  /**
   * How long Twitch keeps a socket's subscriptions enabled after the socket died without a close
   * frame (a network cut): until its own keepalive to that socket fails. Meanwhile the same
   * subscription on a new session answers 409.
   */
  noticeDeadSocketMs: number;
  /** WebSocket transports (sessions with enabled subscriptions) per user and client id (Twitch: 3). */
  transportsPerUser: number;
  /** Enabled subscriptions per WebSocket session (Twitch: 300). */
  subscriptionsPerSession: number;
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
  /** Every subscription Twitch holds for the app, whatever its status (disabled ones stay listed). */
  readonly subscriptions: Subscription[] = [];
  readonly limits: EventSubLimits = { noticeDeadSocketMs: 60_000, transportsPerUser: 3, subscriptionsPerSession: 300 };
  /** Every answer to a chat (channel.chat.message) subscription request, in order. */
  readonly subscribeAnswers: number[] = [];
  /** Every answer to an engagement subscription request (cheers, subscriptions, gifts, raids), in order. */
  readonly engagementAnswers: Array<{ type: string; status: number }> = [];
  readonly deletedSubscriptions: string[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  /** The network is cut just as the next subscription request arrives: its session is gone (400). */
  cutBeforeNextSubscribe = false;
  readonly sent: Array<{ broadcaster_id: string; sender_id: string; message: string }> = [];
  readonly deleted: string[] = [];
  readonly bans: Array<{ broadcaster_id: string; user_id: string }> = [];
  /** Bodies of PATCH /helix/chat/settings, as sent. */
  readonly settingsPatches: Array<Record<string, unknown>> = [];
  /** The channel's chat settings as Twitch keeps them (a PATCH changes only the fields it names). */
  chatSettings: Omit<HelixPrivilegedChatSettingsData, "broadcaster_id" | "moderator_id"> = {
    slow_mode: false,
    slow_mode_wait_time: null,
    follower_mode: false,
    follower_mode_duration: null,
    subscriber_mode: false,
    emote_mode: false,
    unique_chat_mode: false,
    non_moderator_chat_delay: false,
    non_moderator_chat_delay_duration: null,
  };
  /** Every chat subscription request, in order (session id). */
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
      keepalive: setInterval(() => this.frame(session, "session_keepalive", {}), keepaliveSeconds * 1000),
      cut: false,
    };
    if (from) for (const sub of this.subscriptions) if (sub.transport.session_id === from.id) sub.transport.session_id = session.id;
    this.sessions.set(session.id, session);
    socket.on("close", (code) => {
      clearInterval(session.keepalive);
      this.sessions.delete(session.id);
      // A close frame tells Twitch at once; a cut (no frame: code 1006) only once its keepalive fails.
      if (code !== 1006 && !session.cut) return this.disable(session.id, "websocket_disconnected");
      const notice = setTimeout(() => {
        this.timers.delete(notice);
        this.disable(session.id, "websocket_network_timeout");
      }, this.limits.noticeDeadSocketMs);
      this.timers.add(notice);
    });
    this.frame(session, "session_welcome", {
      session: { id: session.id, status: "connected", connected_at: new Date().toISOString(), keepalive_timeout_seconds: from ? null : keepaliveSeconds, reconnect_url: null, recovery_url: null },
    });
  }

  /** Twitch disables a lost session's subscriptions (they stay listed with the reason and disconnected_at). */
  private disable(sessionId: string, status: "websocket_disconnected" | "websocket_network_timeout") {
    for (const sub of this.subscriptions) {
      if (sub.transport.session_id !== sessionId || sub.status !== "enabled") continue;
      sub.status = status;
      sub.transport.disconnected_at = new Date().toISOString();
    }
  }

  /** Enabled subscriptions whose socket is open: the ones that deliver. */
  liveSubscriptions(): Subscription[] {
    return this.subscriptions.filter((s) => s.status === "enabled" && this.sessions.has(s.transport.session_id));
  }

  /** Enabled subscriptions whose socket is gone (Twitch has not noticed yet). */
  orphanedSubscriptions(): Subscription[] {
    return this.subscriptions.filter((s) => s.status === "enabled" && !this.sessions.has(s.transport.session_id));
  }

  /** Other clients of the same app and user (say, a second Prism) hold `count` WebSocket transports. */
  occupyTransports(userId: string, count: number) {
    for (let i = 0; i < count; i++) this.subscriptions.push(this.newSubscription("channel.follow", { broadcaster_user_id: userId, moderator_user_id: userId }, `AQoQelsewhere${i}`, "2"));
  }

  /** Those other clients went away cleanly. */
  releaseTransports() {
    for (const sub of this.subscriptions) if (sub.transport.session_id.startsWith("AQoQelsewhere")) this.disable(sub.transport.session_id, "websocket_disconnected");
  }

  private newSubscription(type: string, condition: Record<string, string>, sessionId: string, version = "1"): Subscription {
    return {
      id: randomUUID(),
      status: "enabled",
      type,
      version,
      cost: 0,
      condition,
      created_at: new Date().toISOString(),
      // disconnected_at is set only once the socket is lost (twurple's type always has it).
      transport: { method: "websocket", session_id: sessionId, connected_at: new Date().toISOString() } as Subscription["transport"],
    };
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
  say(chatter: Chatter, text: string, emotes: Record<string, string> = {}, sharedFrom?: FakeUser): ChatMessageEventData {
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
      // In a shared chat session Twitch repeats a message said in a partner channel into this one,
      // naming the channel it was said in; outside a session the source fields are null.
      source_broadcaster_user_id: sharedFrom?.id ?? null,
      source_broadcaster_user_login: sharedFrom?.login ?? null,
      source_broadcaster_user_name: sharedFrom?.displayName ?? null,
      source_message_id: sharedFrom ? randomUUID() : null,
      source_badges: sharedFrom ? [] : null,
      is_source_only: sharedFrom ? false : null,
    };
    this.deliver(event);
    return event;
  }

  /** Sends a notification to every session subscribed for the broadcaster (`times` > 1: a duplicate delivery). */
  deliver(event: ChatMessageEventData, times = 1) {
    for (const sub of this.liveSubscriptions()) {
      if (sub.type !== "channel.chat.message" || sub.condition.broadcaster_user_id !== event.broadcaster_user_id) continue;
      const session = this.sessions.get(sub.transport.session_id)!;
      for (let i = 0; i < times; i++) this.frame(session, "notification", { subscription: sub, event }, sub);
    }
  }

  /** An engagement event on the streamer's channel (a cheer, a subscription, a gift, a raid), to every session subscribed to it. */
  engage<T extends keyof EngagementEvents>(type: T, event: EngagementEvents[T], times = 1): void {
    const target = type === "channel.raid" ? (event as EventSubChannelRaidEventData).to_broadcaster_user_id : (event as { broadcaster_user_id: string }).broadcaster_user_id;
    for (const sub of this.liveSubscriptions()) {
      if (sub.type !== type || !Object.values(sub.condition).includes(target)) continue;
      const session = this.sessions.get(sub.transport.session_id)!;
      // A redelivery repeats the notification's message id (EventSub delivers at least once).
      const frame: Frame = {
        metadata: { message_id: randomUUID(), message_type: "notification", message_timestamp: new Date().toISOString(), subscription_type: sub.type, subscription_version: sub.version },
        payload: { subscription: sub, event },
      };
      for (let i = 0; i < times; i++) if (session.socket.readyState === session.socket.OPEN) session.socket.send(JSON.stringify(frame));
    }
  }

  /** The streamer's channel as engagement events name it. */
  get broadcaster() {
    return { broadcaster_user_id: this.streamer.id, broadcaster_user_login: this.streamer.login, broadcaster_user_name: this.streamer.displayName };
  }

  /** Twitch's checks for an engagement subscription: the scope its type needs (403), a condition on the token's own channel, then as for chat. */
  private subscribeEngagement(type: keyof EngagementEvents, condition: Record<string, string>, transport: { method: string; session_id?: string }, user: FakeUser, scopes: string[]): FakeAnswer {
    const scope = ENGAGEMENT_SCOPES[type];
    if (scope && !scopes.includes(scope)) return helixError(403, "Forbidden", "subscription missing proper authorization");
    const channel = type === "channel.raid" ? (condition.to_broadcaster_user_id ?? condition.from_broadcaster_user_id) : condition.broadcaster_user_id;
    if (!channel) return helixError(400, "Bad Request", "condition is missing a required field");
    if (scope && channel !== user.id) return helixError(403, "Forbidden", "subscription missing proper authorization");
    const session = transport.method === "websocket" ? this.sessions.get(transport.session_id ?? "") : undefined;
    if (!session) return helixError(400, "Bad Request", "websocket transport session does not exist or has already disconnected");
    return this.subscribe(type, condition, session.id, user.id);
  }

  /** Twitch moves the client: `session_reconnect` with a URL that takes the subscriptions along. */
  requestReconnect() {
    for (const session of this.sessions.values()) {
      this.frame(session, "session_reconnect", {
        session: { id: session.id, status: "reconnecting", keepalive_timeout_seconds: null, reconnect_url: `${this.url}?reconnect=${session.id}`, connected_at: new Date().toISOString() },
      });
    }
  }

  /**
   * Cuts the network: every socket ends without a close frame, and Twitch only notices after
   * `limits.noticeDeadSocketMs`, keeping the sessions' subscriptions enabled until then.
   */
  kill() {
    for (const session of this.sessions.values()) {
      session.cut = true;
      session.socket.terminate();
    }
  }

  /** Stops sending keepalives (the socket stays open but silent). */
  silence() {
    for (const session of this.sessions.values()) clearInterval(session.keepalive);
  }

  revoke() {
    for (const sub of this.liveSubscriptions()) {
      sub.status = "authorization_revoked";
      this.frame(this.sessions.get(sub.transport.session_id)!, "revocation", { subscription: sub }, sub);
    }
  }

  /** The Helix chat routes, for a caller the Twitch fake has authenticated; undefined for other routes. */
  helix(req: FakeRequest, user: FakeUser, scopes: string[]): FakeAnswer | undefined {
    const q = req.url.searchParams;
    const need = (scope: string) => (scopes.includes(scope) ? undefined : helixError(401, "Unauthorized", `Missing scope: ${scope}`));
    switch (`${req.method} ${req.url.pathname}`) {
      case "POST /helix/eventsub/subscriptions": {
        const input = req.json<{ type: string; version: string; condition: Record<string, string>; transport: { method: string; session_id?: string } }>();
        if (input.type in ENGAGEMENT_SCOPES && input.version === "1") {
          const answer = this.subscribeEngagement(input.type as keyof EngagementEvents, input.condition, input.transport, user, scopes);
          this.engagementAnswers.push({ type: input.type, status: answer.status });
          return answer;
        }
        this.subscribeCalls.push(input.transport.session_id ?? "");
        if (input.type !== "channel.chat.message" || input.version !== "1") return helixError(400, "Bad Request", "unsupported type/version");
        const missing = need("user:read:chat");
        if (missing) return { ...missing, status: 403, body: { error: "Forbidden", status: 403, message: "subscription missing proper authorization" } };
        if (input.condition.user_id !== user.id) return helixError(403, "Forbidden", "subscription missing proper authorization");
        const cut = this.cutBeforeNextSubscribe ? this.sessions.get(input.transport.session_id ?? "") : undefined;
        if (cut) {
          this.cutBeforeNextSubscribe = false;
          cut.cut = true;
          cut.socket.terminate();
          this.sessions.delete(cut.id);
        }
        const session = input.transport.method === "websocket" ? this.sessions.get(input.transport.session_id ?? "") : undefined;
        const answer = session ? this.subscribe(input.type, input.condition, session.id, user.id) : helixError(400, "Bad Request", "websocket transport session does not exist or has already disconnected");
        this.subscribeAnswers.push(answer.status);
        return answer;
      }
      case "GET /helix/eventsub/subscriptions": {
        // Twitch takes at most one of the filters; a user token sees only what the app made for that user.
        const filters = ["status", "type", "user_id", "subscription_id"].filter((f) => q.has(f));
        if (filters.length > 1) return helixError(400, "Bad Request", "only one filter query parameter may be specified");
        const data = this.subscriptions.filter(
          (s) =>
            Object.values(s.condition).includes(user.id)
              ? (!q.has("status") || s.status === q.get("status")) &&
                (!q.has("type") || s.type === q.get("type")) &&
                (!q.has("user_id") || Object.values(s.condition).includes(q.get("user_id")!)) &&
                (!q.has("subscription_id") || s.id === q.get("subscription_id"))
              : false,
        );
        const body: HelixPaginatedEventSubSubscriptionsResponse = { data, total: data.length, total_cost: 0, max_total_cost: 10, pagination: {} };
        return { status: 200, body };
      }
      case "DELETE /helix/eventsub/subscriptions": {
        const at = this.subscriptions.findIndex((s) => s.id === q.get("id") && Object.values(s.condition).includes(user.id));
        if (at < 0) return helixError(404, "Not Found", "subscription not found");
        this.deletedSubscriptions.push(this.subscriptions[at]!.id);
        this.subscriptions.splice(at, 1);
        return { status: 204 };
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
      case "PATCH /helix/chat/settings": {
        // Twitch's "Update Chat Settings": a missing scope is 401, a moderator other than the token's user 403, out-of-range values 400.
        const missing = need("moderator:manage:chat_settings");
        if (missing) return missing;
        if (q.get("moderator_id") !== user.id) return helixError(403, "Forbidden", "The moderator_id must match the user ID in the access token.");
        if (q.get("broadcaster_id") !== user.id) return helixError(403, "Forbidden", "The user in moderator_id is not one of the broadcaster's moderators.");
        const input = req.json<Partial<HelixPrivilegedChatSettingsData>>();
        this.settingsPatches.push(input as Record<string, unknown>);
        const wait = input.slow_mode_wait_time;
        if (wait !== undefined && wait !== null && (wait < 3 || wait > 120)) return helixError(400, "Bad Request", "The value in slow_mode_wait_time is outside the allowed range of values (3-120).");
        const follow = input.follower_mode_duration;
        if (follow !== undefined && follow !== null && (follow < 0 || follow > 129_600)) return helixError(400, "Bad Request", "The value in follower_mode_duration is outside the allowed range of values (0-129600).");
        const next = { ...this.chatSettings };
        if (input.slow_mode !== undefined) {
          next.slow_mode = input.slow_mode;
          next.slow_mode_wait_time = input.slow_mode ? (wait ?? 30) : null;
        }
        if (input.follower_mode !== undefined) {
          next.follower_mode = input.follower_mode;
          next.follower_mode_duration = input.follower_mode ? (follow ?? 0) : null;
        }
        if (input.subscriber_mode !== undefined) next.subscriber_mode = input.subscriber_mode;
        if (input.emote_mode !== undefined) next.emote_mode = input.emote_mode;
        this.chatSettings = next;
        const body: { data: HelixPrivilegedChatSettingsData[] } = { data: [{ broadcaster_id: user.id, moderator_id: user.id, ...next }] };
        return { status: 200, body };
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

  /** Twitch's checks, in its order: a duplicate of an enabled subscription (409), then the transport and per-session caps (429). */
  private subscribe(type: string, condition: Record<string, string>, sessionId: string, userId: string): FakeAnswer {
    const enabled = this.subscriptions.filter((s) => s.status === "enabled");
    const same = JSON.stringify(Object.entries(condition).sort());
    if (enabled.some((s) => s.type === type && JSON.stringify(Object.entries(s.condition).sort()) === same)) return helixError(409, "Conflict", "subscription already exists");
    const mine = enabled.filter((s) => Object.values(s.condition).includes(userId));
    const transports = new Set(mine.map((s) => s.transport.session_id));
    if (!transports.has(sessionId) && transports.size >= this.limits.transportsPerUser) return helixError(429, "Too Many Requests", "number of websocket transports limit exceeded");
    if (enabled.filter((s) => s.transport.session_id === sessionId).length >= this.limits.subscriptionsPerSession) return helixError(429, "Too Many Requests", "number of subscriptions per websocket limit exceeded");
    const sub = this.newSubscription(type, condition, sessionId);
    this.subscriptions.push(sub);
    const body: HelixPaginatedEventSubSubscriptionsResponse = { data: [sub], total: 1, total_cost: 0, max_total_cost: 10, pagination: {} };
    return { status: 202, body };
  }

  async close() {
    for (const timer of this.timers) clearTimeout(timer);
    for (const session of this.sessions.values()) {
      clearInterval(session.keepalive);
      session.socket.terminate();
    }
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
