import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { freePort } from "../support/ports.js";
import { killAll, withTimeout } from "../support/children.js";
import { withPrismDatabase } from "../support/db.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";
import { startHttpReceiver, type HttpReceiver } from "./http-receiver.js";

/**
 * Webhooks and action URLs around a real stream: ffmpeg publishes into the test Prism, ffmpeg RTMP
 * receivers stand in for the platforms, a real HTTP server receives the webhooks.
 */
describe("webhooks and actions on a live stream", () => {
  let t: TestPrism;
  let hooks: HttpReceiver;

  beforeAll(async () => {
    t = await startTestPrism({
      env: {
        PRISM_WEBHOOK_ALLOW_PRIVATE: "true",
        PRISM_WEBHOOK_RETRY_INITIAL_MS: "200",
        PRISM_WEBHOOK_RETRY_MAX_MS: "1000",
        PRISM_DESTINATION_FAILED_AFTER_MS: "1500",
      },
    });
    hooks = await startHttpReceiver();
  });
  afterEach(async () => {
    await killAll();
  });
  afterAll(async () => {
    await hooks.close();
    await t.stop();
    await removeTempDirs();
  });

  const received = (type: string, streamId: string) =>
    hooks.requests.map((r) => JSON.parse(r.body)).filter((e) => e.type === type && e.data.streamId === streamId);
  const waitForEvent = async (type: string, streamId: string, count = 1, timeoutMs = 10_000): Promise<any[]> => {
    await waitFor(() => received(type, streamId).length >= count, { timeoutMs, what: `${count} × ${type}` });
    return received(type, streamId);
  };
  const destinationState = async (streamId: string, destId: string) =>
    (await t.api("GET", `/api/v1/streams/${streamId}/health`)).body.destinations.find((d: { id: string }) => d.id === destId)?.state;

  it("announces start, destinations live, failed and recovered, and the end of a real publish", async () => {
    const dir = await makeTempDir("prism-webhooks-e2e-");
    const sub = await t.api("POST", "/api/v1/webhooks", {
      url: hooks.url,
      events: ["stream.started", "stream.ended", "destination.live", "destination.failed", "destination.recovered"],
    });
    expect(sub.status).toBe(201);
    const stream = (await t.api("POST", "/api/v1/streams", { name: "Webhooked" })).body;
    const platform = await startRtmpReceiver({ dir, name: "platform" });
    const liveId = (await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "custom", name: "Platform", url: platform.url, streamKey: platform.key })).body.id;
    // Nothing listens here yet: this destination keeps reconnecting until a receiver shows up.
    const latePort = await freePort();
    const lateKey = "late-key-0123456789";
    const lateId = (await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "custom", name: "Late", url: `rtmp://127.0.0.1:${latePort}/live`, streamKey: lateKey })).body.id;

    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    const [started] = await waitForEvent("stream.started", stream.id);
    expect(started).toMatchObject({ data: { streamName: "Webhooked" } });
    const [live] = await waitForEvent("destination.live", stream.id);
    expect(live.data).toEqual({ streamId: stream.id, streamName: "Webhooked", destinationId: liveId, destinationName: "Platform", platform: "custom" });

    const [failed] = await waitForEvent("destination.failed", stream.id, 1, 8_000);
    expect(failed.data).toMatchObject({ destinationId: lateId, destinationName: "Late", state: "reconnecting", reason: expect.stringContaining("Could not connect to rtmp://127.0.0.1") });
    const late = await startRtmpReceiver({ dir, name: "late", port: latePort, key: lateKey });
    const [recovered] = await waitForEvent("destination.recovered", stream.id, 1, 20_000);
    expect(recovered.data).toMatchObject({ destinationId: lateId, downtimeSec: expect.any(Number) });
    expect(recovered.data.downtimeSec).toBeGreaterThanOrEqual(1);
    // "live" was not announced for the late destination: recovered says it.
    expect(received("destination.live", stream.id).map((e) => e.data.destinationId)).toEqual([liveId]);

    await publisher.stop();
    const [ended] = await waitForEvent("stream.ended", stream.id);
    expect(ended.data.durationSec).toBeGreaterThanOrEqual(1);
    await Promise.all([platform, late].map((r) => withTimeout(r.exited, 10_000, "receiver end")));
    // Stopping with the stream is no failure.
    expect(received("destination.failed", stream.id)).toHaveLength(1);
    const order = hooks.requests.map((r) => JSON.parse(r.body)).filter((e) => e.data.streamId === stream.id).map((e) => e.type);
    expect(order[0]).toBe("stream.started");
    expect(order.at(-1)).toBe("stream.ended");
  });

  it("toggles a live destination from an action URL, and answers 401 once the token is revoked", async () => {
    const dir = await makeTempDir("prism-webhooks-e2e-");
    const stream = (await t.api("POST", "/api/v1/streams", { name: "Actions" })).body;
    const steady = await startRtmpReceiver({ dir, name: "steady" });
    const toggled = await startRtmpReceiver({ dir, name: "toggled" });
    const steadyId = (await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "custom", name: "Steady", url: steady.url, streamKey: steady.key })).body.id;
    const toggledId = (await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "custom", name: "YouTube", url: toggled.url, streamKey: toggled.key })).body.id;

    const created = await t.api("POST", `/api/v1/streams/${stream.id}/action-tokens`, { name: "Phone shortcut", actions: ["toggle-destination", "stop-destination"] });
    expect(created.status).toBe(201);
    const { token, urls, id: tokenId } = created.body;
    expect(token).toMatch(/^prism_act_/);
    expect(Object.keys(urls).sort()).toEqual(["stop-destination", "toggle-destination"]);
    expect(urls["toggle-destination"]).toBe(`http://127.0.0.1:${t.prism.httpPort}/api/v1/actions/${token}/toggle-destination`);
    // The action URL is all Zapier or IFTTT get: no admin token.
    const act = async (action: string, body: unknown, contentType = "application/json") => {
      const res = await fetch(`http://127.0.0.1:${t.prism.httpPort}/api/v1/actions/${token}/${action}`, {
        method: "POST",
        headers: { "content-type": contentType },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };

    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    await waitFor(async () => (await destinationState(stream.id, steadyId)) === "live" && (await destinationState(stream.id, toggledId)) === "live", { what: "both live" });

    const off = await act("toggle-destination", { destination: "youtube" });
    expect(off.status).toBe(200);
    expect(off.body).toEqual({ action: "toggle-destination", streamId: stream.id, streamLive: true, destination: { id: toggledId, name: "YouTube", enabled: false, state: "stopped" } });
    await waitFor(async () => (await destinationState(stream.id, toggledId)) === "stopped", { timeoutMs: 2_000, what: "toggled off" });
    expect((await withTimeout(toggled.exited, 5_000, "toggled receiver end")).code).toBe(0);
    expect(await destinationState(stream.id, steadyId)).toBe("live");
    expect((await t.api("GET", `/api/v1/streams/${stream.id}/destinations/${toggledId}`)).body.enabled).toBe(false);

    // Back on (a fresh receiver on the same address: ffmpeg serves one session), JSON sent as text/plain.
    const again = await startRtmpReceiver({ dir, name: "again", port: toggled.port, key: toggled.key });
    const on = await act("toggle-destination", JSON.stringify({ destinationId: toggledId }), "text/plain");
    expect(on.status).toBe(200);
    expect(on.body.destination).toMatchObject({ enabled: true, state: expect.stringMatching(/^(connecting|live)$/) });
    await waitFor(async () => (await destinationState(stream.id, toggledId)) === "live", { what: "toggled live again" });
    await again.connected;

    // What the token does not allow, what the stream does not have, what is not built yet.
    const forbidden = await act("start-destination", { destination: "YouTube" });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.message).toContain('may not start-destination; it allows toggle-destination, stop-destination');
    const missing = await act("stop-destination", { destination: "Twitch" });
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe('The stream of this action URL has no destination named "Twitch"; it has "Steady", "YouTube".');
    const invalid = await act("stop-destination", {});
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.message).toBe("give either destinationId or destination (its name)");
    const notJson = await act("stop-destination", "{nope", "text/plain");
    expect(notJson.status).toBe(400);

    const listed = await t.api("GET", `/api/v1/streams/${stream.id}/action-tokens`);
    expect(listed.body).toEqual([expect.objectContaining({ id: tokenId, name: "Phone shortcut", hint: token.slice(-4), lastUsedAt: expect.any(String) })]);
    expect(listed.text).not.toContain(token);
    expect((await t.api("DELETE", `/api/v1/streams/${stream.id}/action-tokens/${tokenId}`)).status).toBe(204);
    const revoked = await act("toggle-destination", { destination: "YouTube" });
    expect(revoked.status).toBe(401);
    expect(revoked.body.error).toMatchObject({ code: "unauthorized", message: expect.stringContaining("mistyped or revoked") });
    expect(await destinationState(stream.id, toggledId)).toBe("live");
    expect(t.logs()).not.toContain(token);
    expect(await withPrismDatabase(t.dataDir, (db) => db.storedText())).not.toContain(token);

    await publisher.stop();
    await Promise.all([steady, again].map((r) => withTimeout(r.exited, 10_000, "receiver end")));
  });

  it("refuses send-comment clearly when the stream has no chat to post to, or the body is wrong", async () => {
    const stream = (await t.api("POST", "/api/v1/streams", { name: "Chatty" })).body;
    const { token } = (await t.api("POST", `/api/v1/streams/${stream.id}/action-tokens`, { name: "Chat", actions: ["send-comment"] })).body;
    const send = (body: string) => fetch(`http://127.0.0.1:${t.prism.httpPort}/api/v1/actions/${token}/send-comment`, { method: "POST", headers: { "content-type": "application/json" }, body });
    const none = await send('{"text":"hi"}');
    expect(none.status).toBe(409);
    expect(await none.json()).toEqual({ error: { code: "no_chat", message: expect.stringContaining("linked account") } });
    const empty = await send('{"text":""}');
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { message: string } }).error.message).toMatch(/text: must not be empty/);
    const unknown = await fetch(`http://127.0.0.1:${t.prism.httpPort}/api/v1/actions/prism_act_unknown/send-comment`, { method: "POST" });
    expect(unknown.status).toBe(401);
  });
});
