import type { Registry } from "prom-client";
import type { AccountApi, AccountSupport, LinkedPlatform, LinkedPlatformDeps, StreamInfo } from "../account-types.js";
import { PlatformRefused } from "../account-types.js";
import { endpoint, readJson } from "../platform-http.js";
import { youtubeChat } from "./chat.js";
import type { YouTubeOptions } from "./config.js";
import { DAILY_QUOTA, QuotaLedger, untilQuotaReset, type QuotaMethod } from "./quota.js";
import { quotaMetrics } from "./quota-metrics.js";
import { youtubeSchedule } from "./schedule.js";
import { youtubeViewers } from "./viewers.js";

/** Google API errors: {"error":{"code":403,"message":"…","errors":[{"reason":"liveStreamingNotEnabled"}]}}. */
const googleMessage = (body: { error?: { message?: string; errors?: Array<{ reason?: string }> } }) => {
  const reason = body.error?.errors?.[0]?.reason;
  if (reason === "liveStreamingNotEnabled") return "live streaming is not enabled on this channel; turn it on at youtube.com/features (it can take 24 h)";
  return [body.error?.message, reason && `(${reason})`].filter(Boolean).join(" ") || undefined;
};

/** The longest Prism waits for YouTube to see the stream before it stops asking (the broadcast stays ready). */
const MAX_WAIT_FOR_ACTIVE_MS = 15 * 60_000;
/** How many times (one status poll apart: 2 min by default) Prism asks YouTube to complete a broadcast still starting. */
const COMPLETE_ATTEMPTS = 40;

/** The Google error reason of a refused call (PlatformRefused's message carries it in parentheses). */
const refusedFor = (err: unknown, reason: string) => err instanceof PlatformRefused && err.message.includes(`(${reason})`);

/**
 * YouTube (Data API v3): Google OAuth with PKCE and `access_type=offline` for a refresh token. Going
 * live is a small dance: a reusable RTMP liveStream (its key never changes, so it is kept on the
 * account), a fresh liveBroadcast per go-live bound to it, a transition to `live` once YouTube
 * reports the stream `active`, and to `complete` when the stream ends.
 */
export const youtubeAccounts: AccountSupport<YouTubeOptions> = {
  oauth: {
    authorizePath: "/o/oauth2/v2/auth",
    tokenPath: "/token",
    revokePath: "/revoke",
    // Revoking the refresh token ends the whole grant (Google revokes its access tokens with it).
    revokeToken: "refresh_token",
    scopes: ["https://www.googleapis.com/auth/youtube", "https://www.googleapis.com/auth/youtube.force-ssl"],
    pkce: true,
    clientAuth: "body",
    // offline: a refresh token; consent: Google issues one again when an account is linked twice.
    authorizeParams: { access_type: "offline", prompt: "consent" },
  },
  create: (deps) => new YouTubeBroadcasts(deps),
};

interface Session {
  destinationId: string;
  broadcastId: string;
  liveStreamId: string;
  /** YouTube accepted the transition to live (the broadcast may still be liveStarting). */
  started: boolean;
  /** YouTube reports the broadcast's lifeCycleStatus as live. */
  live: boolean;
  /** The upcoming broadcast of a scheduled event: left for the event when this go-live never started it. */
  scheduled: boolean;
  poll: NodeJS.Timeout | null;
}

interface LiveStreamResource {
  id: string;
  cdn?: { ingestionInfo?: { ingestionAddress?: string; streamName?: string } };
  status?: { streamStatus?: string };
}

class YouTubeBroadcasts implements LinkedPlatform {
  /** One broadcast per destination per go-live; reconnects reuse it. */
  private readonly sessions = new Map<string, Session>();

  /** The chat of the broadcast this go-live created (chat.ts). */
  readonly chat;
  /** Units of YouTube's daily quota spent today, by broadcasts, chat and viewer counts alike. */
  readonly quota = new QuotaLedger();
  /** Upcoming broadcasts for scheduled events (schedule.ts). */
  readonly schedule;
  /** The go-live broadcast's concurrent viewers (viewers.ts). */
  readonly viewers;

  constructor(private readonly deps: LinkedPlatformDeps<YouTubeOptions>) {
    this.chat = youtubeChat({
      apiUrl: deps.settings.apiUrl,
      quota: this.quota,
      grpcUrl: deps.settings.options.grpcUrl,
      broadcastOf: (destinationId) => this.sessions.get(destinationId)?.broadcastId,
      minPollMs: deps.settings.options.chatPollMs,
    });
    this.schedule = youtubeSchedule({
      call: (api, method, what, path, query, init) => this.call(api, method, what, path, query, init),
      liveStreamId: async (api) => (await this.liveStream(api)).id,
      privacy: deps.settings.options.privacy,
    });
    this.viewers = youtubeViewers({
      intervalMs: deps.settings.options.viewersPollMs,
      call: (api, method, what, path, query) => this.call(api, method, what, path, query),
      broadcastOf: (destinationId) => this.sessions.get(destinationId)?.broadcastId,
    });
  }

  private url(path: string, query: Record<string, string> = {}) {
    return endpoint(this.deps.settings.apiUrl, `/youtube/v3${path}`, query);
  }

  private async call<T>(api: AccountApi, method: QuotaMethod, what: string, path: string, query: Record<string, string>, init: { method?: string; body?: unknown } = {}): Promise<T> {
    // While an account is being linked it has no id yet: its calls count as "linking".
    this.quota.spend(api.account.id || "linking", method);
    const res = await api.fetch(this.url(path, query), {
      method: init.method ?? "GET",
      ...(init.body !== undefined && { headers: { "Content-Type": "application/json" }, body: JSON.stringify(init.body) }),
    });
    if (res.status === 204) return undefined as T;
    return readJson<T>(res, "YouTube", what, googleMessage);
  }

  async identify(api: AccountApi) {
    const channels = await this.call<{ items?: Array<{ id: string; snippet?: { title?: string } }> }>(api, "channels.list", "describe the channel", "/channels", { part: "snippet", mine: "true" });
    const channel = channels.items?.[0];
    if (!channel) throw new PlatformRefused("This Google account has no YouTube channel: create one on youtube.com, then link the account again.");
    return { platformUserId: channel.id, displayName: channel.snippet?.title || channel.id };
  }

  async ingest(api: AccountApi, stream: StreamInfo) {
    let session = this.sessions.get(stream.destinationId);
    const liveStream = await this.liveStream(api, session?.liveStreamId);
    if (!session || session.liveStreamId !== liveStream.id) {
      if (session) this.stopPolling(session);
      const scheduled = stream.scheduled && (await this.bindScheduled(api, stream.scheduled.externalId, liveStream.id));
      const broadcast = scheduled ? { id: scheduled } : await this.call<{ id: string }>(api, "liveBroadcasts.insert", "create the broadcast", "/liveBroadcasts", { part: "snippet,status,contentDetails" }, {
        method: "POST",
        body: {
          snippet: { title: stream.title.slice(0, 100), description: (stream.description ?? "").slice(0, 5000), scheduledStartTime: new Date().toISOString() },
          status: { privacyStatus: this.deps.settings.options.privacy, selfDeclaredMadeForKids: false },
          // Prism moves the broadcast to live and complete itself; without the monitor stream it can go straight to live.
          contentDetails: { enableAutoStart: false, enableAutoStop: false, monitorStream: { enableMonitorStream: false } },
        },
      });
      if (!scheduled) await this.call(api, "liveBroadcasts.bind", "bind the broadcast to the stream", "/liveBroadcasts/bind", { id: broadcast.id, streamId: liveStream.id, part: "id,contentDetails" }, { method: "POST" });
      session = { destinationId: stream.destinationId, broadcastId: broadcast.id, liveStreamId: liveStream.id, started: false, live: false, poll: null, scheduled: Boolean(scheduled) };
      this.sessions.set(stream.destinationId, session);
    }
    if (!session.started && !session.poll) this.goLiveWhenActive(api, session);
    const info = liveStream.cdn?.ingestionInfo;
    if (!info?.ingestionAddress || !info.streamName) throw new Error("YouTube described the live stream without its ingestion address");
    return { url: info.ingestionAddress.replace(/\/+$/, ""), streamKey: info.streamName };
  }

  async ended(api: AccountApi, stream: StreamInfo) {
    const session = this.sessions.get(stream.destinationId);
    if (!session) return;
    this.sessions.delete(stream.destinationId);
    this.stopPolling(session);
    if (session.started) {
      await this.complete(api, session);
    } else if (!session.scheduled) {
      // Never went live: leave no empty "upcoming" broadcast behind on the channel.
      await this.call(api, "liveBroadcasts.delete", "remove the unused broadcast", "/liveBroadcasts", { id: session.broadcastId }, { method: "DELETE" });
    }
  }

  /**
   * Ends the broadcast. A broadcast still liveStarting refuses `complete` (invalidTransition), so
   * Prism asks again until YouTube accepts; if it never does, the error says so in words the streamer
   * can act on instead of leaving a broadcast live with nothing behind it.
   */
  private async complete(api: AccountApi, session: Session): Promise<void> {
    const { pollMs } = this.deps.settings.options;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.call(api, "liveBroadcasts.transition", "complete the broadcast", "/liveBroadcasts/transition", { broadcastStatus: "complete", id: session.broadcastId, part: "status" }, { method: "POST" });
        this.deps.log.info({ broadcast: session.broadcastId }, "YouTube broadcast completed");
        return;
      } catch (err) {
        // Already complete (YouTube or the streamer ended it): nothing left to do.
        if (refusedFor(err, "redundantTransition")) return;
        const retry = refusedFor(err, "invalidTransition") || !(err instanceof PlatformRefused);
        if (!retry || attempt >= COMPLETE_ATTEMPTS) {
          throw new PlatformRefused(`YouTube did not end the broadcast ${session.broadcastId} (${(err as Error).message}); it may still show as live: end it in YouTube Studio.`);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  usage(accountId: string) {
    const now = new Date();
    return { quotaUnitsToday: this.quota.today(accountId), quotaDailyLimit: DAILY_QUOTA, quotaResetsAt: new Date(now.getTime() + untilQuotaReset(now)).toISOString() };
  }

  instrument(registry: Registry) {
    quotaMetrics(registry, this.quota);
  }

  close() {
    for (const session of this.sessions.values()) this.stopPolling(session);
    this.sessions.clear();
    this.chat.close();
  }

  /**
   * The scheduled event's upcoming broadcast, bound (again) to the account's stream so this go-live
   * lands in it: its id, or undefined when YouTube no longer has it (deleted in Studio, already
   * complete), and a fresh broadcast is made as for any go-live.
   */
  private async bindScheduled(api: AccountApi, broadcastId: string, liveStreamId: string): Promise<string | undefined> {
    try {
      const bound = await this.call<{ status?: { lifeCycleStatus?: string } }>(api, "liveBroadcasts.bind", "bind the upcoming broadcast to the stream", "/liveBroadcasts/bind", { id: broadcastId, streamId: liveStreamId, part: "id,status" }, { method: "POST" });
      if (bound.status?.lifeCycleStatus === "complete" || bound.status?.lifeCycleStatus === "revoked") return undefined;
      return broadcastId;
    } catch (err) {
      if (refusedFor(err, "liveBroadcastNotFound")) return undefined;
      throw err;
    }
  }

  /** The account's reusable RTMP liveStream: the one Prism made before if it still exists, else a new one. */
  private async liveStream(api: AccountApi, known?: string): Promise<LiveStreamResource> {
    const id = known ?? ((await api.data()).liveStreamId as string | undefined);
    if (id) {
      const found = await this.call<{ items?: LiveStreamResource[] }>(api, "liveStreams.list", "describe the live stream", "/liveStreams", { part: "id,cdn,status", id });
      if (found.items?.[0]) return found.items[0];
    }
    const created = await this.call<LiveStreamResource>(api, "liveStreams.insert", "create the live stream", "/liveStreams", { part: "snippet,cdn,contentDetails,status" }, {
      method: "POST",
      body: {
        snippet: { title: "Prism" },
        cdn: { ingestionType: "rtmp", resolution: "variable", frameRate: "variable" },
        contentDetails: { isReusable: true },
      },
    });
    await api.saveData({ ...(await api.data()), liveStreamId: created.id });
    return created;
  }

  /**
   * Counts as started from the moment the transition is asked for: a stream ending while YouTube is
   * still answering must complete the broadcast it is turning live, not delete it.
   */
  private async startBroadcast(api: AccountApi, session: Session): Promise<void> {
    session.started = true;
    try {
      await this.call(api, "liveBroadcasts.transition", "start the broadcast", "/liveBroadcasts/transition", { broadcastStatus: "live", id: session.broadcastId, part: "status" }, { method: "POST" });
    } catch (err) {
      session.started = false;
      throw err;
    }
  }

  /**
   * Polls the stream's status, switches the broadcast to live once YouTube receives the stream, then
   * polls the broadcast until it has gone through liveStarting to live.
   */
  private goLiveWhenActive(api: AccountApi, session: Session) {
    const { pollMs } = this.deps.settings.options;
    const giveUpAt = Date.now() + MAX_WAIT_FOR_ACTIVE_MS;
    const tick = async () => {
      session.poll = null;
      if (this.sessions.get(session.destinationId) !== session) return;
      try {
        if (!session.started) {
          const found = await this.call<{ items?: LiveStreamResource[] }>(api, "liveStreams.list", "report the stream status", "/liveStreams", { part: "id,status", id: session.liveStreamId });
          if (found.items?.[0]?.status?.streamStatus === "active") await this.startBroadcast(api, session);
        }
        // The transition answers while the broadcast is still liveStarting: it is live once YouTube says so.
        if (session.started && (await this.lifeCycle(api, session)) === "live") {
          session.live = true;
          this.deps.log.info({ broadcast: session.broadcastId }, "YouTube broadcast is live");
          return;
        }
      } catch (err) {
        this.deps.log.warn({ broadcast: session.broadcastId, reason: (err as Error).message }, "YouTube broadcast not started yet");
      }
      if (this.sessions.get(session.destinationId) !== session) return;
      if (Date.now() > giveUpAt) {
        this.deps.log.warn({ broadcast: session.broadcastId }, "YouTube never reported the stream active; the broadcast was not started");
        return;
      }
      session.poll = setTimeout(tick, pollMs);
    };
    session.poll = setTimeout(tick, pollMs);
  }

  private async lifeCycle(api: AccountApi, session: Session): Promise<string | undefined> {
    const found = await this.call<{ items?: Array<{ status?: { lifeCycleStatus?: string } }> }>(api, "liveBroadcasts.list", "report the broadcast status", "/liveBroadcasts", { part: "id,status", id: session.broadcastId });
    return found.items?.[0]?.status?.lifeCycleStatus;
  }

  private stopPolling(session: Session) {
    if (session.poll) clearTimeout(session.poll);
    session.poll = null;
  }
}
