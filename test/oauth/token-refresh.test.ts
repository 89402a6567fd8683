import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { SecretBox } from "../../src/secrets/secret-box.js";
import { EventBus, type PrismEvents } from "../../src/bus.js";
import { createAccounts } from "../../src/oauth/index.js";
import { createLogger } from "../../src/log.js";
import { OutputError, unresolvedTarget } from "../../src/relay/output-error.js";
import { waitFor } from "../support/prism.js";
import { startTwitchFake, TWITCH_USER } from "../fakes/twitch.js";
import { startYouTubeFake, YOUTUBE_CHANNEL } from "../fakes/youtube.js";
import { startTwitCastingFake, TWITCASTING_USER } from "../fakes/twitcasting.js";
import type { OAuthServer, FakeUser } from "../fakes/oauth-server.js";
import type { FakeServer } from "../fakes/http.js";
import { RecordingSink } from "../chat/support.js";
import { openTestStore } from "../support/db.js";

/**
 * The token upkeep of linked accounts against the fakes, without a relay: the destination's
 * `resolve` is what the relay calls before each connection, so it is called here directly.
 */
describe("linked accounts keep their tokens usable", () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function setup<F extends FakeServer & { oauth: OAuthServer; env(): Record<string, string> }>(fake: F, platform: string, user: FakeUser, env: Record<string, string> = {}) {
    cleanup.push(() => fake.close());
    const dir = mkdtempSync(join(tmpdir(), "prism-oauth-"));
    const config = loadConfig({ PRISM_DATA_DIR: dir, ...fake.env(), PRISM_OAUTH_REFRESH_MARGIN_SECONDS: "0", PRISM_OAUTH_REFRESH_CHECK_SECONDS: "3600", PRISM_YOUTUBE_POLL_MS: "50", ...env });
    const database = await openTestStore(new SecretBox("0123456789abcdef0123456789abcdef"));
    const bus = new EventBus();
    const events: Array<PrismEvents["account.needs_reconnect"]> = [];
    bus.on("account.needs_reconnect", (e) => events.push(e));
    const { streams, destinations, accounts: repo } = database.store;
    const accounts = createAccounts({ store: database.store, bus, settings: config.accounts, redirectUri: () => "http://127.0.0.1/cb", log: createLogger({ level: "silent" }) });
    accounts.start();
    cleanup.push(async () => {
      accounts.stop();
      await database.close();
    });
    const granted = fake.oauth.grant(user, platform === "twitch" ? ["channel:read:stream_key", "channel:manage:broadcast"] : []);
    const account = await repo.link({
      platform,
      platformUserId: user.id,
      displayName: user.displayName,
      accessToken: granted.access_token,
      refreshToken: granted.refresh_token ?? null,
      expiresAt: new Date(Date.now() + granted.expires_in * 1000),
      scopes: [],
    });
    const stream = await streams.create("Refresh");
    await streams.update(stream.id, { title: "Speedrun night" });
    const destination = await destinations.create({ streamId: stream.id, platform, name: platform, url: "", streamKey: "", enabled: true, accountId: account.id });
    const resolver = accounts.resolverFor(destination)!;
    expect(resolver).toBeTypeOf("function");
    // As the relay's output sees it: what the platform refused or could not do becomes the destination's error.
    const resolve = () => resolver().catch((err: unknown) => Promise.reject(unresolvedTarget(err)));
    return { resolve, repo, account, events, bus, accounts, stream, destination, granted };
  }

  it("refreshes an expired access token before asking for the stream key (Twitch rotates the refresh token)", async () => {
    const twitch = await startTwitchFake({ accessTtlSec: 1 });
    const { resolve, repo, account, granted } = await setup(twitch, "twitch", TWITCH_USER);
    expect(await resolve()).toEqual({ url: "rtmp://live.twitch.tv/app", streamKey: twitch.streamKey });
    expect(twitch.oauth.counts.refresh_token).toBe(0);
    expect(twitch.titles.get(TWITCH_USER.id)).toBe("Speedrun night");
    await new Promise((r) => setTimeout(r, 1100));
    expect(await resolve()).toEqual({ url: "rtmp://live.twitch.tv/app", streamKey: twitch.streamKey });
    expect(twitch.oauth.counts.refresh_token).toBe(1);
    const after = (await repo.get(account.id))!;
    expect(after.accessToken).not.toBe(granted.access_token);
    expect(after.refreshToken).not.toBe(granted.refresh_token);
    expect(twitch.helixTokens.at(-1)).toBe(after.accessToken);
    // The old refresh token is dead on Twitch's side now; Prism holds the new one.
    expect(after.expiresAt!.getTime()).toBeGreaterThan(Date.now());
  });

  it("refreshes once on a 401 and retries, and concurrent callers share one refresh", async () => {
    const twitch = await startTwitchFake();
    const { resolve } = await setup(twitch, "twitch", TWITCH_USER);
    twitch.oauth.invalidateAccessTokens();
    const keys = await Promise.all([resolve(), resolve(), resolve()]);
    expect(keys.map((k) => k.streamKey)).toEqual([twitch.streamKey, twitch.streamKey, twitch.streamKey]);
    expect(twitch.oauth.counts.refresh_token).toBe(1);
    expect(twitch.oauth.counts.refused).toBe(0);
  });

  it("a revoked grant marks the account needs_reconnect, announces it once, and fails the destination in plain words", async () => {
    const twitch = await startTwitchFake();
    const { resolve, repo, account, events } = await setup(twitch, "twitch", TWITCH_USER);
    twitch.oauth.revokeUser(TWITCH_USER.id);
    const err = await resolve().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputError);
    expect((err as OutputError).kind).toBe("rejected");
    expect((err as OutputError).message).toBe(
      "The Twitch account Speedy_Streams must be connected again (Twitch refused to refresh the access token: Invalid refresh token): connect it under Accounts, then enable this destination again.",
    );
    await waitFor(() => events.length > 0, { what: "account.needs_reconnect" });
    expect(await repo.summary(account.id)).toMatchObject({ status: "needs_reconnect", statusReason: "Twitch refused to refresh the access token: Invalid refresh token" });
    expect(events).toEqual([expect.objectContaining({ accountId: account.id, platform: "twitch", displayName: "Speedy_Streams", reason: expect.stringMatching(/Invalid refresh token/) })]);
    // Later attempts fail at once, without bothering Twitch or announcing again.
    const refreshes = twitch.oauth.counts.refresh_token;
    await expect(resolve()).rejects.toMatchObject({ kind: "rejected" });
    expect(twitch.oauth.counts.refresh_token).toBe(refreshes);
    expect(events).toHaveLength(1);
  });

  it("Twitch chat validates the token when it starts (as Twitch requires): a revoked grant marks the account needs_reconnect", async () => {
    const twitch = await startTwitchFake();
    const { repo, account, events, accounts, stream } = await setup(twitch, "twitch", TWITCH_USER);
    const [source] = await accounts.chatSources(stream.id);
    expect(source?.platform).toBe("twitch");
    twitch.oauth.revokeUser(TWITCH_USER.id);
    const sink = new RecordingSink();
    await source!.chat.read(source!.api, source!.stream, sink, new AbortController().signal);
    expect(twitch.validations[0]).toBe(401);
    expect(twitch.eventsub.subscribeCalls).toEqual([]);
    // The mark is written as soon as the store answers (on PostgreSQL, a round trip after the refusal); then announced.
    await waitFor(() => events.length > 0, { what: "account.needs_reconnect" });
    expect(await repo.summary(account.id)).toMatchObject({ status: "needs_reconnect", statusReason: expect.stringMatching(/Invalid refresh token/) });
    expect(events).toHaveLength(1);
    expect(sink.states.at(-1)).toEqual({ state: "failed", detail: expect.stringMatching(/must be connected again/) });
  });

  it("a platform that is down is retried, not a reason to relink", async () => {
    const twitch = await startTwitchFake();
    const { resolve, repo, account } = await setup(twitch, "twitch", TWITCH_USER, { PRISM_PLATFORM_API_TIMEOUT_MS: "500" });
    await twitch.close();
    const err = (await resolve().catch((e: unknown) => e)) as OutputError;
    expect(err.kind).toBe("unreachable");
    expect(err.message).toMatch(/^Could not reach Twitch \(127\.0\.0\.1:\d+\): ECONNREFUSED\. Prism will try again\.$/);
    expect((await repo.summary(account.id))!.status).toBe("ok");
  });

  it("the background sweep refreshes tokens that are about to expire", async () => {
    const twitch = await startTwitchFake({ accessTtlSec: 60 });
    const { repo, account } = await setup(twitch, "twitch", TWITCH_USER, { PRISM_OAUTH_REFRESH_MARGIN_SECONDS: "120", PRISM_OAUTH_REFRESH_CHECK_SECONDS: "0.1" });
    const before = (await repo.get(account.id))!.accessToken;
    const deadline = Date.now() + 5000;
    while ((await repo.get(account.id))!.accessToken === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect((await repo.get(account.id))!.accessToken).not.toBe(before);
    expect(twitch.oauth.counts.refresh_token).toBeGreaterThanOrEqual(1);
  });

  it("TwitCasting issues no refresh token: a refused token means relinking; RTMP turned off fails with what to do", async () => {
    const tc = await startTwitCastingFake();
    tc.rtmp.enabled = false;
    const { resolve, repo, account, events } = await setup(tc, "twitcasting", TWITCASTING_USER);
    await expect(resolve()).rejects.toMatchObject({ kind: "rejected", message: expect.stringMatching(/RTMP broadcasting is turned off for the TwitCasting account ツイキャス公式: turn it on/) });
    tc.rtmp.enabled = true;
    expect(await resolve()).toEqual({ url: tc.rtmp.url, streamKey: tc.rtmp.streamKey });
    tc.oauth.invalidateAccessTokens();
    await expect(resolve()).rejects.toMatchObject({ kind: "rejected", message: expect.stringMatching(/TwitCasting issues no refresh token/) });
    await waitFor(() => events.length > 0, { what: "account.needs_reconnect" });
    expect((await repo.summary(account.id))!.status).toBe("needs_reconnect");
    expect(events).toHaveLength(1);
  });

  it("YouTube: Google keeps the refresh token across refreshes; one broadcast per go-live, live once active, complete at the end", async () => {
    const yt = await startYouTubeFake({ accessTtlSec: 1 });
    yt.ingest.address = "rtmp://127.0.0.1:1935/live2";
    const { resolve, repo, account, granted, bus, stream } = await setup(yt, "youtube", YOUTUBE_CHANNEL);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await resolve()).toEqual({ url: "rtmp://127.0.0.1:1935/live2", streamKey: yt.ingest.streamName });
    expect((await repo.get(account.id))!.refreshToken).toBe(granted.refresh_token);
    expect(yt.oauth.counts.refresh_token).toBe(1);
    // A reconnect reuses the broadcast and the stream.
    await resolve();
    expect(yt.broadcasts.size).toBe(1);
    expect(yt.streams.size).toBe(1);
    const [broadcast] = [...yt.broadcasts.values()];
    expect(broadcast!.snippet).toMatchObject({ title: "Speedrun night" });
    expect(broadcast!.contentDetails?.boundStreamId).toBe([...yt.streams.keys()][0]);
    // Not live until YouTube reports the stream active.
    await new Promise((r) => setTimeout(r, 200));
    expect(yt.transitions).toEqual([]);
    yt.setStreamStatus([...yt.streams.keys()][0]!, "active");
    const deadline = Date.now() + 3000;
    while (yt.transitions.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(yt.transitions).toEqual([{ id: broadcast!.id, status: "live" }]);
    bus.emit("stream.ended", { streamId: stream.id, sessionId: "session-1", name: stream.name, at: new Date().toISOString(), reason: "publisher disconnected" });
    while (yt.transitions.length === 1 && Date.now() < deadline + 3000) await new Promise((r) => setTimeout(r, 25));
    expect(yt.transitions).toEqual([
      { id: broadcast!.id, status: "live" },
      { id: broadcast!.id, status: "complete" },
    ]);
    // The next go-live reuses the liveStream Prism keeps on the account, with a new broadcast.
    await resolve();
    expect(yt.streams.size).toBe(1);
    expect(yt.broadcasts.size).toBe(2);
  });
});
