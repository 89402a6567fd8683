import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pino } from "pino";
import { twitchAccounts } from "../../src/destinations/twitch/account.js";
import { twitchChat } from "../../src/destinations/twitch/chat.js";
import { startTwitchFake, TWITCH_USER, type TwitchFake } from "../fakes/twitch.js";
import { apiFor, RecordingSink, STREAM, waitFor } from "./support.js";

const SCOPES = ["user:read:chat", "user:write:chat", "moderator:manage:chat_messages", "moderator:manage:banned_users"];
const ALICE = { id: "42", login: "alice", name: "Alice", color: "#0000FF", badges: [{ set_id: "subscriber", id: "12", info: "14" }, { set_id: "moderator", id: "1" }] };
const BOB = { id: "43", login: "bob_jp", name: "ボブ" };

describe("Twitch chat reader (EventSub WebSocket)", () => {
  let tw: TwitchFake;
  let abort: AbortController;

  beforeEach(async () => {
    tw = await startTwitchFake();
    abort = new AbortController();
  });
  afterEach(async () => {
    abort.abort();
    await tw.close();
  });

  const start = (options: { keepaliveSeconds?: number; scopes?: string[]; validateEveryMs?: number } = {}) => {
    const chat = twitchChat({
      apiUrl: tw.url,
      authUrl: tw.url,
      clientId: tw.oauth.dialect.clientId,
      eventsubUrl: tw.eventsub.url,
      keepaliveSeconds: options.keepaliveSeconds ?? 10,
      backoff: { initialMs: 20, maxMs: 80 },
      ...(options.validateEveryMs && { validateEveryMs: options.validateEveryMs }),
    });
    const sink = new RecordingSink();
    const api = apiFor(tw.oauth, TWITCH_USER, options.scopes ?? SCOPES);
    const done = chat.read(api, STREAM, sink, abort.signal);
    return { chat, sink, api, done };
  };
  const subscribed = () => tw.eventsub.liveSubscriptions().length > 0;
  /** Subscribed to chat and to the engagement events after it: the reader says live once all are done. */
  const liveOn = (sink: RecordingSink) => subscribed() && sink.stateNames.at(-1) === "live";

  it("subscribes on welcome and reads messages once each, in order, with badges, colour and emotes", async () => {
    const { sink } = start();
    await waitFor(() => sink.stateNames.includes("live") && subscribed(), "the subscription");
    expect(tw.eventsub.connections[0]).toBe("/ws?keepalive_timeout_seconds=10");
    const first = tw.eventsub.say(ALICE, "Kappa hello 🎉 PogChamp", { "25": "Kappa", "305954156": "PogChamp" });
    tw.eventsub.deliver(first, 2); // at-least-once: a repeated delivery
    for (let i = 0; i < 20; i++) tw.eventsub.say(i % 2 ? ALICE : BOB, `msg ${i}`);
    await waitFor(() => sink.received.length >= 21, "21 messages");
    await new Promise((r) => setTimeout(r, 100));
    expect(sink.texts).toEqual(["Kappa hello 🎉 PogChamp", ...Array.from({ length: 20 }, (_, i) => `msg ${i}`)]);
    const m = sink.received[0]!;
    expect(m.platformMessageId).toBe(first.message_id);
    expect(m.author).toEqual({ id: "42", name: "Alice", color: "#0000FF", badges: ["subscriber/12", "moderator/1"] });
    // Code points, inclusive end: "Kappa"=0-4, "🎉" is one code point, "PogChamp"=14-21.
    expect(m.emotes).toEqual([
      { id: "25", name: "Kappa", start: 0, end: 4, url: "https://static-cdn.jtvnw.net/emoticons/v2/25/default/dark/1.0" },
      { id: "305954156", name: "PogChamp", start: 14, end: 21, url: "https://static-cdn.jtvnw.net/emoticons/v2/305954156/default/dark/1.0" },
    ]);
    expect(sink.received[1]!.author).toEqual({ id: "43", name: "ボブ", badges: [] });
    expect(sink.stateNames).toEqual(["connecting", "live"]);
  });

  it("follows session_reconnect without resubscribing and without losing or repeating a message", async () => {
    const { sink } = start();
    await waitFor(() => subscribed(), "the subscription");
    tw.eventsub.say(BOB, "before");
    tw.eventsub.requestReconnect();
    await waitFor(() => tw.eventsub.connections.length === 2 && tw.eventsub.sessions.size === 1, "the handover");
    tw.eventsub.say(BOB, "after");
    await waitFor(() => sink.received.length === 2, "both messages");
    expect(sink.texts).toEqual(["before", "after"]);
    expect(tw.eventsub.connections[1]).toMatch(/reconnect=/);
    expect(tw.eventsub.subscribeCalls).toHaveLength(1);
    expect(sink.stateNames).toEqual(["connecting", "live"]);
  });

  it("reconnects with back-off when the socket is killed, subscribes again and reads on", async () => {
    // Here Twitch notices the dead socket at once; the next test is the slower, usual case.
    tw.eventsub.limits.noticeDeadSocketMs = 0;
    const { sink } = start();
    await waitFor(() => liveOn(sink), "the subscription");
    tw.eventsub.say(ALICE, "one");
    await waitFor(() => sink.received.length === 1, "the first message");
    tw.eventsub.kill();
    // Said while no socket is subscribed: Twitch keeps no history, so this one is lost by design.
    tw.eventsub.say(ALICE, "lost while down");
    await waitFor(() => tw.eventsub.subscribeCalls.length === 2 && liveOn(sink), "the new subscription");
    tw.eventsub.say(ALICE, "two");
    await waitFor(() => sink.received.length === 2, "the message after the reconnect");
    expect(sink.texts).toEqual(["one", "two"]);
    expect(tw.eventsub.subscribeCalls).toHaveLength(2);
    expect(new Set(tw.eventsub.subscribeCalls).size).toBe(2);
    expect(sink.stateNames).toEqual(["connecting", "live", "reconnecting", "live"]);
  });

  it("treats a socket that stops sending keepalives as dead", async () => {
    const { sink } = start({ keepaliveSeconds: 1 });
    await waitFor(() => subscribed(), "the subscription");
    // A keepalive says nothing older is on its way: the merger may stop waiting for Twitch up to then.
    await waitFor(() => sink.caughtUpTo.length >= 1, "a keepalive", 3_000);
    expect(Date.now() - sink.caughtUpTo[0]!.getTime()).toBeLessThan(3_000);
    tw.eventsub.silence();
    await waitFor(() => sink.stateNames.includes("reconnecting"), "the watchdog", 6_000);
    // The watchdog drops the socket without a close frame: Twitch still holds its subscription.
    await waitFor(() => subscribed(), "the new subscription", 3_000);
    tw.eventsub.say(BOB, "still here");
    await waitFor(() => sink.received.length === 1, "the message");
    expect(sink.stateNames).not.toContain("failed");
  });

  it("after a network cut Twitch still holds the old subscription (409): the reader deletes that stale one and reads on", async () => {
    const { sink } = start();
    await waitFor(() => liveOn(sink), "the subscription");
    const old = tw.eventsub.liveSubscriptions();
    tw.eventsub.kill();
    await waitFor(() => tw.eventsub.subscribeAnswers.length === 3 && liveOn(sink), "the subscription on the new session");
    expect(tw.eventsub.subscribeAnswers).toEqual([202, 409, 202]);
    // The chat's and each engagement event's stale subscription, each deleted once.
    expect([...tw.eventsub.deletedSubscriptions].sort()).toEqual(old.map((s) => s.id).sort());
    expect(tw.eventsub.orphanedSubscriptions()).toEqual([]);
    tw.eventsub.say(ALICE, "after the cut");
    await waitFor(() => sink.received.length === 1, "the message");
    expect(sink.stateNames).toEqual(["connecting", "live", "reconnecting", "live"]);
    // A second cut goes the same way: never `failed` for a blip.
    tw.eventsub.kill();
    await waitFor(() => tw.eventsub.subscribeAnswers.length === 5 && liveOn(sink), "the third subscription");
    expect(tw.eventsub.subscribeAnswers.slice(3)).toEqual([409, 202]);
    expect(sink.stateNames).not.toContain("failed");
  });

  it("a session that died between its welcome and the subscription (400: session gone) is a blip, not a failure", async () => {
    tw.eventsub.cutBeforeNextSubscribe = true;
    const { sink } = start();
    await waitFor(() => liveOn(sink), "the subscription on the next session");
    expect(tw.eventsub.subscribeAnswers).toEqual([400, 202]);
    tw.eventsub.say(BOB, "made it");
    await waitFor(() => sink.received.length === 1, "the message");
    expect(sink.stateNames).toEqual(["connecting", "reconnecting", "live"]);
  });

  it("backs off while the user's WebSocket transports are all taken (429), then subscribes once one is free", async () => {
    tw.eventsub.occupyTransports(TWITCH_USER.id, 3);
    const { sink } = start();
    await waitFor(() => tw.eventsub.subscribeAnswers.filter((s) => s === 429).length >= 2, "two refusals");
    expect(sink.states.find((s) => s.state === "reconnecting")?.detail).toMatch(/websocket transports limit/);
    tw.eventsub.releaseTransports();
    await waitFor(() => subscribed(), "the subscription");
    tw.eventsub.say(BOB, "finally");
    await waitFor(() => sink.received.length === 1, "the message");
    expect(tw.eventsub.subscribeAnswers.at(-1)).toBe(202);
    expect(sink.stateNames).not.toContain("failed");
  });

  it("validates its token when it starts and on every interval, and stops when Twitch no longer accepts it", async () => {
    const { sink, done } = start({ validateEveryMs: 50 });
    await waitFor(() => subscribed() && tw.validations.length >= 3, "the first validations");
    expect(tw.validations.every((s) => s === 200)).toBe(true);
    tw.oauth.revokeUser(TWITCH_USER.id);
    await done;
    expect(tw.validations.at(-1)).toBe(401);
    expect(sink.states.at(-1)).toEqual({ state: "failed", detail: expect.stringMatching(/Twitch no longer accepts Prism's access.*connect the account again/) });
  });

  it("marks a message said in a partner channel of a shared chat session as coming from that channel", async () => {
    const { sink } = start();
    await waitFor(() => subscribed(), "the subscription");
    const partner = { id: "777", login: "partner_channel", displayName: "Partner_Channel" };
    tw.eventsub.say(ALICE, "hi from next door", {}, partner);
    tw.eventsub.say(BOB, "hi at home");
    await waitFor(() => sink.received.length === 2, "both messages");
    expect(sink.received[0]!.author).toEqual({ id: "42", name: "Alice (in Partner_Channel's chat)", color: "#0000FF", badges: ["subscriber/12", "moderator/1", "shared-chat/partner_channel"] });
    expect(sink.received[1]!.author).toEqual({ id: "43", name: "ボブ", badges: [] });
  });

  it("fails, and stops, when the account lacks the chat scope or Twitch revokes the subscription", async () => {
    const refused = start({ scopes: [] });
    await refused.done;
    expect(refused.sink.states.at(-1)?.state).toBe("failed");
    expect(refused.sink.states.at(-1)?.detail).toMatch(/subscription missing proper authorization/);

    const { sink, done } = start();
    await waitFor(() => subscribed(), "the subscription");
    tw.eventsub.revoke();
    await done;
    expect(sink.states.at(-1)).toEqual({ state: "failed", detail: expect.stringMatching(/authorization_revoked/) });
  });

  it("sends through Helix (the message comes back through chat), deletes and bans", async () => {
    const { chat, api, sink } = start();
    await waitFor(() => subscribed(), "the subscription");
    await chat.send!(api, STREAM, "GG everyone");
    expect(tw.eventsub.sent).toEqual([{ broadcaster_id: TWITCH_USER.id, sender_id: TWITCH_USER.id, message: "GG everyone" }]);
    await waitFor(() => sink.received.length === 1, "the echo");
    expect(sink.received[0]!.author.badges).toEqual(["broadcaster/1"]);
    await chat.deleteMessage!(api, STREAM, "885196de-cb67-427a-baa8-82f9b0fcd05f");
    expect(tw.eventsub.deleted).toEqual(["885196de-cb67-427a-baa8-82f9b0fcd05f"]);
    await chat.banAuthor!(api, STREAM, BOB.id);
    expect(tw.eventsub.bans).toEqual([{ broadcaster_id: TWITCH_USER.id, user_id: BOB.id }]);
    const readOnly = apiFor(tw.oauth, TWITCH_USER, ["user:read:chat"]);
    await expect(chat.send!(readOnly, STREAM, "nope")).rejects.toThrow(/Missing scope: user:write:chat/);
  });

  it("is what a linked Twitch account offers, on the configured EventSub URL", async () => {
    const platform = twitchAccounts.create({
      settings: { clientId: tw.oauth.dialect.clientId, clientSecret: "s", authUrl: tw.url, tokenUrl: tw.url, apiUrl: tw.url, options: { ingestUrl: "rtmp://127.0.0.1:1/app", eventsubUrl: tw.eventsub.url, viewersPollMs: 30_000 } },
      log: pino({ level: "silent" }),
    });
    const sink = new RecordingSink();
    void platform.chat!.read(apiFor(tw.oauth, TWITCH_USER, SCOPES), STREAM, sink, abort.signal);
    await waitFor(() => subscribed(), "the subscription");
    tw.eventsub.say(BOB, "hi from the account");
    await waitFor(() => sink.received.length === 1, "the message");
    expect(tw.eventsub.connections[0]).toBe("/ws?keepalive_timeout_seconds=30");
  });
});
