import { randomBytes } from "node:crypto";
import type { youtube_v3 } from "@googleapis/youtube";
import { bearer, startFakeServer, type FakeAnswer, type FakeRequest, type FakeServer } from "./http.js";
import { OAuthServer, type FakeUser, type OAuthTokenResponse } from "./oauth-server.js";
import { YouTubeChatFake } from "./youtube-chat.js";
import { startYouTubeChatStream, type YouTubeChatStreamFake } from "./youtube-chat-stream.js";

type LiveStream = youtube_v3.Schema$LiveStream;
type LiveBroadcast = youtube_v3.Schema$LiveBroadcast;

/** Google's JSON error body: {"error":{"code","message","errors":[{"reason","domain","message"}],"status"}}. */
interface GoogleError {
  error: { code: number; message: string; errors: Array<{ message: string; domain: string; reason: string }>; status?: string };
}
const googleError = (code: number, reason: string, message: string, domain = "youtube.liveBroadcast"): FakeAnswer => ({
  status: code,
  body: { error: { code, message, errors: [{ message, domain, reason }] } } satisfies GoogleError,
});

export interface YouTubeFake extends FakeServer {
  oauth: OAuthServer;
  streams: Map<string, LiveStream>;
  broadcasts: Map<string, LiveBroadcast>;
  /** Where liveStreams the fake creates tell Prism to push (a test's RTMP receiver). */
  ingest: { address: string; streamName: string };
  /** What YouTube's ingest would report once it receives the stream. */
  setStreamStatus(streamId: string, status: "ready" | "active" | "inactive"): void;
  /** Every broadcast transition YouTube accepted, in order: "live", "complete". */
  transitions: Array<{ id: string; status: string }>;
  /** Transitions refused, with YouTube's reason (invalidTransition while liveStarting, redundantTransition). */
  refusedTransitions: Array<{ id: string; status: string; reason: string }>;
  /** How long a broadcast stays liveStarting after the transition to live (Infinity: for ever). */
  liveStartingMs: number;
  deleted: string[];
  /** While true, every Data API call answers 403 quotaExceeded, as YouTube does once the project's daily quota is spent. */
  quotaExceeded: boolean;
  /** The broadcasts' live chats (youtube-chat.ts). */
  chat: YouTubeChatFake;
  /** Each broadcast video's concurrent viewers (videos.list liveStreamingDetails); null: the owner hides the count. */
  concurrentViewers: Map<string, number | null>;
  /** Faults queued for the next videos.list calls. */
  videoFaults: Array<"quotaExceeded" | "backendError">;
  /** Every videos.list call: when, and its status. */
  videoCalls: Array<{ at: number; status: number }>;
  /** liveChatMessages.streamList over gRPC, when started with `grpc: true` (youtube-chat-stream.ts). */
  chatStream: YouTubeChatStreamFake | undefined;
  env(): Record<string, string>;
}

export const YOUTUBE_CHANNEL: FakeUser = { id: "UCX6b17PVsYBQ0ip5gyeme-Q", login: "speedy", displayName: "Speedy Streams" };

/**
 * Google's OAuth (PKCE S256 supported, client secret in the form, refresh tokens kept and not
 * re-sent on refresh) and the YouTube Data API v3 calls Prism makes for a go-live: channels.list,
 * liveStreams.list/insert, liveBroadcasts.insert/update/bind/transition/delete; and the daily quota running out. Responses are typed with
 * @googleapis/youtube's own schema types.
 */
export async function startYouTubeFake(options: { accessTtlSec?: number; liveStartingMs?: number; grpc?: boolean } = {}): Promise<YouTubeFake> {
  const oauth = new OAuthServer(
    {
      clientId: "1234567890-fake.apps.googleusercontent.com",
      clientSecret: "GOCSPX-fake-secret",
      clientAuth: "body",
      pkce: "supported",
      accessTtlSec: options.accessTtlSec ?? 3599,
      refreshTokens: "keep",
      scopeFormat: "string",
      tokenResponse: (t: OAuthTokenResponse) => ({ ...t, token_type: "Bearer" }),
      // Google's token endpoint: {"error":"invalid_grant","error_description":"Token has been expired or revoked."}
      tokenError: (kind, description) => ({ status: kind === "invalid_client" ? 401 : 400, body: { error: kind, error_description: kind === "invalid_grant" && /refresh/i.test(description) ? "Token has been expired or revoked." : description } }),
    },
    YOUTUBE_CHANNEL,
  );
  const streams = new Map<string, LiveStream>();
  const broadcasts = new Map<string, LiveBroadcast>();
  const transitions: Array<{ id: string; status: string }> = [];
  const refusedTransitions: Array<{ id: string; status: string; reason: string }> = [];
  const startedAt = new Map<string, number>();
  const timing = { liveStartingMs: options.liveStartingMs ?? 150 };
  // YouTube moves a broadcast from liveStarting to live on its own a while after the transition.
  const settle = () => {
    for (const [broadcastId, at] of startedAt) {
      const b = broadcasts.get(broadcastId);
      if (b?.status?.lifeCycleStatus === "liveStarting" && Date.now() - at >= timing.liveStartingMs) {
        b.status = { ...b.status, lifeCycleStatus: "live" };
        startedAt.delete(broadcastId);
      }
    }
  };
  const deleted: string[] = [];
  const state = { quotaExceeded: false };
  const concurrentViewers = new Map<string, number | null>();
  const videoFaults: Array<"quotaExceeded" | "backendError"> = [];
  const videoCalls: Array<{ at: number; status: number }> = [];
  /**
   * videos.list?part=liveStreamingDetails: a broadcast's video (same id). actualStartTime once it went
   * live, actualEndTime once complete; concurrentViewers (a string, as the API sends uint64) only
   * while live and not hidden by the owner.
   */
  const videos = (q: URLSearchParams): FakeAnswer => {
    const fault = videoFaults.shift();
    if (fault === "quotaExceeded") return googleError(403, "quotaExceeded", "The request cannot be completed because you have exceeded your quota.", "youtube.quota");
    if (fault === "backendError") return googleError(503, "backendError", "Backend Error", "global");
    if (!q.get("part")!.split(",").includes("liveStreamingDetails")) return googleError(400, "invalidPart", "part", "youtube.part");
    const items: youtube_v3.Schema$Video[] = (q.get("id") ?? "").split(",").flatMap((videoId) => {
      const b = broadcasts.get(videoId);
      if (!b) return [];
      const life = b.status?.lifeCycleStatus;
      const viewers = concurrentViewers.get(videoId);
      const details: youtube_v3.Schema$VideoLiveStreamingDetails = {
        ...(b.snippet?.actualStartTime && { actualStartTime: b.snippet.actualStartTime }),
        ...(b.snippet?.actualEndTime && { actualEndTime: b.snippet.actualEndTime }),
        ...(b.snippet?.scheduledStartTime && { scheduledStartTime: b.snippet.scheduledStartTime }),
        ...(life === "live" && b.snippet?.liveChatId && { activeLiveChatId: b.snippet.liveChatId }),
        ...(life === "live" && viewers !== null && viewers !== undefined && { concurrentViewers: String(viewers) }),
      };
      return [{ kind: "youtube#video", etag: randomBytes(6).toString("hex"), id: videoId, liveStreamingDetails: details }];
    });
    const body: youtube_v3.Schema$VideoListResponse = { kind: "youtube#videoListResponse", etag: randomBytes(6).toString("hex"), items, pageInfo: { totalResults: items.length, resultsPerPage: items.length } };
    return { status: 200, body };
  };
  const chat = new YouTubeChatFake();
  const ingest = { address: "rtmp://127.0.0.1:1/live2", streamName: `abcd-efgh-${randomBytes(3).toString("hex")}` };

  const authorized = (req: FakeRequest) => oauth.authenticate(bearer(req));
  const unauthorized = googleError(401, "authError", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.", "global");
  const id = () => randomBytes(8).toString("base64url");

  const server = await startFakeServer((req): FakeAnswer => {
    const path = `${req.method} ${req.url.pathname}`;
    const q = req.url.searchParams;
    if (path === "GET /o/oauth2/v2/auth") return oauth.authorize(req);
    if (path === "POST /token") return oauth.token(req);
    if (path === "POST /revoke") return oauth.revoke(req, q.get("token") ?? req.form().get("token") ?? "");
    if (!path.includes("/youtube/v3/")) return googleError(404, "notFound", `no route ${path}`, "global");
    const auth = authorized(req);
    if (!auth.ok) return unauthorized;
    if (!q.get("part") && req.method !== "DELETE") return googleError(400, "required", "Required parameter: part", "global");

    if (state.quotaExceeded) return googleError(403, "quotaExceeded", "The request cannot be completed because you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>.", "youtube.quota");

    settle();
    switch (path) {
      case "GET /youtube/v3/channels": {
        const body: youtube_v3.Schema$ChannelListResponse = {
          kind: "youtube#channelListResponse",
          pageInfo: { totalResults: 1, resultsPerPage: 5 },
          items: [{ kind: "youtube#channel", id: auth.user.id, snippet: { title: auth.user.displayName, description: "" } }],
        };
        return { status: 200, body };
      }
      case "GET /youtube/v3/liveBroadcasts": {
        // by id, or the channel's active ones (broadcastStatus=active)
        const wanted = q.get("id")?.split(",");
        const found = [...broadcasts.values()].filter((b) => (wanted ? wanted.includes(b.id!) : q.get("broadcastStatus") !== "active" || b.status?.lifeCycleStatus === "live"));
        const body: youtube_v3.Schema$LiveBroadcastListResponse = { kind: "youtube#liveBroadcastListResponse", pageInfo: { totalResults: found.length, resultsPerPage: 5 }, items: found };
        return { status: 200, body };
      }
      case "GET /youtube/v3/liveStreams": {
        const found = (q.get("id") ?? "").split(",").flatMap((i) => (streams.has(i) ? [streams.get(i)!] : []));
        const body: youtube_v3.Schema$LiveStreamListResponse = { kind: "youtube#liveStreamListResponse", pageInfo: { totalResults: found.length, resultsPerPage: 5 }, items: found };
        return { status: 200, body };
      }
      case "POST /youtube/v3/liveStreams": {
        const input = req.json<LiveStream>();
        if (input.cdn?.ingestionType !== "rtmp") return googleError(400, "invalidIngestionType", "The ingestion type is invalid.", "youtube.liveStream");
        const stream: LiveStream = {
          kind: "youtube#liveStream",
          id: id(),
          snippet: { title: input.snippet?.title ?? "", channelId: auth.user.id, publishedAt: new Date().toISOString() },
          cdn: {
            ingestionType: "rtmp",
            resolution: input.cdn.resolution ?? "variable",
            frameRate: input.cdn.frameRate ?? "variable",
            ingestionInfo: { ingestionAddress: ingest.address, streamName: ingest.streamName, backupIngestionAddress: `${ingest.address}?backup=1` },
          },
          contentDetails: { isReusable: input.contentDetails?.isReusable ?? true },
          status: { streamStatus: "ready", healthStatus: { status: "noData" } },
        };
        streams.set(stream.id!, stream);
        return { status: 200, body: stream };
      }
      case "POST /youtube/v3/liveBroadcasts": {
        const input = req.json<LiveBroadcast>();
        if (!input.snippet?.title || !input.snippet.scheduledStartTime) return googleError(400, "invalidValue", "Title and scheduled start time are required.");
        const broadcast: LiveBroadcast = {
          kind: "youtube#liveBroadcast",
          id: id(),
          snippet: { ...input.snippet, channelId: auth.user.id, publishedAt: new Date().toISOString(), liveChatId: `Cg0KC${id()}` },
          status: { lifeCycleStatus: "created", privacyStatus: input.status?.privacyStatus ?? "private", recordingStatus: "notRecording" },
          contentDetails: { ...input.contentDetails },
        };
        broadcasts.set(broadcast.id!, broadcast);
        chat.chats.set(broadcast.snippet!.liveChatId!, []);
        return { status: 200, body: broadcast };
      }
      case "PUT /youtube/v3/liveBroadcasts": {
        // liveBroadcasts.update: id and snippet.scheduledStartTime are required with part=snippet; omitted title/description keep theirs.
        const input = req.json<LiveBroadcast>();
        const broadcast = broadcasts.get(input.id ?? "");
        if (!broadcast) return googleError(404, "liveBroadcastNotFound", "Broadcast not found");
        if (q.get("part")?.includes("snippet") && !input.snippet?.scheduledStartTime) return googleError(400, "invalidScheduledStartTime", "The scheduled start time is required.");
        if (broadcast.status?.lifeCycleStatus === "complete") return googleError(403, "invalidTransition", "The broadcast is complete and cannot be updated.");
        broadcast.snippet = { ...broadcast.snippet, ...Object.fromEntries(Object.entries(input.snippet ?? {}).filter(([, v]) => v !== undefined)) };
        return { status: 200, body: broadcast };
      }
      case "POST /youtube/v3/liveBroadcasts/bind": {
        const broadcast = broadcasts.get(q.get("id") ?? "");
        const streamId = q.get("streamId") ?? "";
        if (!broadcast) return googleError(404, "liveBroadcastNotFound", "Broadcast not found");
        if (!streams.has(streamId)) return googleError(404, "liveStreamNotFound", "Stream not found", "youtube.liveStream");
        broadcast.contentDetails = { ...broadcast.contentDetails, boundStreamId: streamId };
        broadcast.status = { ...broadcast.status, lifeCycleStatus: "ready" };
        return { status: 200, body: broadcast };
      }
      case "POST /youtube/v3/liveBroadcasts/transition": {
        const broadcast = broadcasts.get(q.get("id") ?? "");
        const to = q.get("broadcastStatus") ?? "";
        if (!broadcast) return googleError(404, "liveBroadcastNotFound", "Broadcast not found");
        const life = broadcast.status?.lifeCycleStatus;
        const bound = streams.get(broadcast.contentDetails?.boundStreamId ?? "");
        const refuse = (reason: string, message: string) => (refusedTransitions.push({ id: broadcast.id!, status: to, reason }), googleError(403, reason, message));
        if (to === "live") {
          if (life === "liveStarting" || life === "live") return refuse("redundantTransition", "The live broadcast is already in the requested status or is transitioning to it.");
          if (life !== "ready" && life !== "testing") return refuse("invalidTransition", "The live broadcast cannot transition from its current status to the requested status.");
          if (bound?.status?.streamStatus !== "active") return refuse("errorStreamInactive", "The requested transition is not allowed when the stream that is bound to the broadcast is not active.");
        } else if (to === "complete") {
          if (life === "complete") return refuse("redundantTransition", "The live broadcast is already in the requested status.");
          if (life !== "live" && life !== "testing") return refuse("invalidTransition", "The live broadcast cannot transition from its current status to the requested status.");
        } else {
          return googleError(400, "invalidValue", `broadcastStatus ${to}`);
        }
        transitions.push({ id: broadcast.id!, status: to });
        // Going live passes through liveStarting: the answer comes back before the broadcast is live.
        broadcast.status = { ...broadcast.status, lifeCycleStatus: to === "live" ? "liveStarting" : to };
        if (to === "live") startedAt.set(broadcast.id!, Date.now());
        if (to === "live") broadcast.snippet = { ...broadcast.snippet, actualStartTime: new Date().toISOString() };
        if (to === "complete") broadcast.snippet = { ...broadcast.snippet, actualEndTime: new Date().toISOString() };
        return { status: 200, body: broadcast };
      }
      case "GET /youtube/v3/videos": {
        const answer = videos(q);
        videoCalls.push({ at: Date.now(), status: answer.status });
        return answer;
      }
      case "DELETE /youtube/v3/liveBroadcasts": {
        if (!broadcasts.delete(q.get("id") ?? "")) return googleError(404, "liveBroadcastNotFound", "Broadcast not found");
        deleted.push(q.get("id")!);
        return { status: 204 };
      }
      default:
        return chat.handle(req, auth.user) ?? googleError(404, "notFound", `no route ${path}`, "global");
    }
  });

  const chatStream = options.grpc ? await startYouTubeChatStream(chat, oauth) : undefined;

  return {
    ...server,
    async close() {
      await chatStream?.close();
      await server.close();
    },
    chatStream,
    oauth,
    streams,
    broadcasts,
    ingest,
    transitions,
    refusedTransitions,
    get liveStartingMs() {
      return timing.liveStartingMs;
    },
    set liveStartingMs(ms: number) {
      timing.liveStartingMs = ms;
    },
    deleted,
    get quotaExceeded() {
      return state.quotaExceeded;
    },
    set quotaExceeded(on: boolean) {
      state.quotaExceeded = on;
    },
    chat,
    concurrentViewers,
    videoFaults,
    videoCalls,
    setStreamStatus(streamId, status) {
      const stream = streams.get(streamId);
      if (stream) stream.status = { ...stream.status, streamStatus: status };
    },
    env: () => ({
      PRISM_YOUTUBE_CLIENT_ID: oauth.dialect.clientId,
      PRISM_YOUTUBE_CLIENT_SECRET: oauth.dialect.clientSecret,
      PRISM_YOUTUBE_AUTH_URL: server.url,
      PRISM_YOUTUBE_TOKEN_URL: server.url,
      PRISM_YOUTUBE_API_URL: server.url,
      // Without the gRPC fake, chat is polled: Prism must never reach the real youtube.googleapis.com from a test.
      PRISM_YOUTUBE_GRPC_URL: chatStream?.url ?? "off",
    }),
  };
}
