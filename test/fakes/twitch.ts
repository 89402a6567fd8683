import type { HelixResponse } from "@twurple/api-call";
import type { HelixChannel, HelixUser } from "@twurple/api";
import type { TokenInfoData } from "@twurple/auth";
import type { DataObject } from "@twurple/common";
// twurple marks the raw stream-key type @private and exports only its package root; the file is read by path.
import type { HelixGetStreamKeyData, HelixStreamData } from "../../node_modules/@twurple/api/lib/interfaces/endpoints/stream.external.js";
import type { HelixScheduleResponse, HelixScheduleSegmentData } from "../../node_modules/@twurple/api/lib/interfaces/endpoints/schedule.external.js";
import type { HelixCreateScheduleSegmentData } from "@twurple/api";
import { bearer, startFakeServer, type FakeAnswer, type FakeRequest, type FakeServer } from "./http.js";
import { OAuthServer, type FakeUser, type OAuthTokenResponse } from "./oauth-server.js";
import { TwitchEventSubFake } from "./twitch-eventsub.js";

/** The raw Helix JSON behind a twurple class (what the wire carries). */
type Raw<C> = C extends DataObject<infer D> ? D : never;
type HelixUserData = Raw<HelixUser>;
type HelixChannelData = Raw<HelixChannel>;
/**
 * The segment body on the wire, as twurple's createScheduleSegmentBody maps its input onto it
 * (duration: Twitch documents a string, twurple sends a number; both are taken).
 */
interface SegmentBody {
  start_time?: HelixCreateScheduleSegmentData["startDate"];
  timezone?: HelixCreateScheduleSegmentData["timezone"];
  is_recurring?: HelixCreateScheduleSegmentData["isRecurring"];
  duration?: string | number;
  category_id?: string;
  title?: HelixCreateScheduleSegmentData["title"];
}

/** Helix error body: {"error":"Unauthorized","status":401,"message":"Invalid OAuth token"}. */
interface HelixError {
  error: string;
  status: number;
  message: string;
}

const helixError = (status: number, error: string, message: string): FakeAnswer => ({ status, body: { error, status, message } satisfies HelixError });

export interface TwitchFake extends FakeServer {
  oauth: OAuthServer;
  /** The channel's current stream key (rotate with `rotateKey`). */
  streamKey: string;
  rotateKey(): string;
  /** Channel titles set through PATCH /helix/channels, by broadcaster id. */
  titles: Map<string, string>;
  /** The access token each Helix call carried, in order. */
  helixTokens: string[];
  /** Answers to GET /oauth2/validate, in order (200 or 401). */
  validations: number[];
  /** The channel's stream schedule segments (POST/PATCH/DELETE /helix/schedule/segment), by id. */
  segments: Map<string, HelixScheduleSegmentData>;
  /** Refuse schedules as Twitch does for a channel that is neither Affiliate nor Partner. */
  scheduleNotAllowed: boolean;
  /** EventSub's WebSocket and the Helix chat calls (twitch-eventsub.ts). */
  eventsub: TwitchEventSubFake;
  /** The channel's live viewer count (GET /helix/streams), or null while Twitch does not list it as live. */
  viewers: number | null;
  /** Answers queued for the next GET /helix/streams calls: 429 (Helix's rate limit, with Ratelimit-Reset) or 503. */
  streamsFaults: Array<429 | 503>;
  /** Every GET /helix/streams call: when, and its status. */
  streamsCalls: Array<{ at: number; status: number }>;
  env(): Record<string, string>;
}

export const TWITCH_USER: FakeUser = { id: "141981764", login: "speedy_streams", displayName: "Speedy_Streams" };

/**
 * Twitch's id.twitch.tv (authorize, token, validate, revoke) and the Helix calls Prism makes, on one
 * loopback server. Client secret in the form, no PKCE, refresh tokens rotate, `scope` is an array,
 * errors are Twitch's {status, message} at the token endpoint and {error, status, message} on Helix.
 */
export async function startTwitchFake(options: { accessTtlSec?: number } = {}): Promise<TwitchFake> {
  const oauth = new OAuthServer(
    {
      clientId: "twitch-client-id-fake",
      clientSecret: "twitch-client-secret-fake",
      clientAuth: "body",
      pkce: "none",
      accessTtlSec: options.accessTtlSec ?? 14_400,
      refreshTokens: "rotate",
      scopeFormat: "array",
      tokenResponse: (t: OAuthTokenResponse) => t,
      // id.twitch.tv answers {"status":400,"message":"Invalid refresh token"}.
      tokenError: (kind, description) => ({ status: kind === "invalid_client" ? 403 : 400, body: { status: kind === "invalid_client" ? 403 : 400, message: description } }),
    },
    TWITCH_USER,
  );
  const state = { streamKey: newKey(), titles: new Map<string, string>(), helixTokens: [] as string[], validations: [] as number[], segments: new Map<string, HelixScheduleSegmentData>(), scheduleNotAllowed: false, viewers: null as number | null };
  const streamsFaults: Array<429 | 503> = [];
  const streamsCalls: Array<{ at: number; status: number }> = [];
  /** Helix's "Get Streams": live channels only; 429 carries Ratelimit-Reset (unix seconds) like Twitch's. */
  const streamsAnswer = (req: FakeRequest, who: FakeUser): FakeAnswer => {
    const fault = streamsFaults.shift();
    if (fault === 429) return { ...helixError(429, "Too Many Requests", "Too Many Requests"), headers: { "Ratelimit-Limit": "800", "Ratelimit-Remaining": "0", "Ratelimit-Reset": String(Math.ceil(Date.now() / 1000)) } };
    if (fault === 503) return helixError(503, "Service Unavailable", "Service Unavailable");
    const ids = req.url.searchParams.getAll("user_id");
    const data: HelixStreamData[] =
      ids.includes(who.id) && state.viewers !== null
        ? [
            {
              id: "40952121085",
              user_id: who.id,
              user_login: who.login,
              user_name: who.displayName,
              game_id: "509658",
              game_name: "Just Chatting",
              community_ids: [],
              type: "live",
              title: state.titles.get(who.id) ?? "",
              tags: [],
              viewer_count: state.viewers,
              started_at: new Date().toISOString(),
              language: "en",
              thumbnail_url: "https://static-cdn.jtvnw.net/previews-ttv/live_user_speedy_streams-{width}x{height}.jpg",
              is_mature: false,
            },
          ]
        : [];
    return { status: 200, body: { data, pagination: {} } satisfies HelixResponse<HelixStreamData> & { pagination: object } };
  };

  const eventsub = await TwitchEventSubFake.start(TWITCH_USER);
  const helixUser = (req: FakeRequest) => {
    if (req.headers["client-id"] !== oauth.dialect.clientId) return { fail: helixError(401, "Unauthorized", "Client ID and OAuth token do not match") };
    const token = bearer(req);
    const auth = oauth.authenticate(token);
    if (!auth.ok) return { fail: helixError(401, "Unauthorized", "Invalid OAuth token") };
    state.helixTokens.push(token!);
    return { user: auth.user, scopes: auth.scopes };
  };

  const server = await startFakeServer((req): FakeAnswer => {
    const path = `${req.method} ${req.url.pathname}`;
    switch (path) {
      case "GET /oauth2/authorize":
        return oauth.authorize(req);
      case "POST /oauth2/token":
        return oauth.token(req);
      case "POST /oauth2/revoke": {
        const form = req.form();
        if (form.get("client_id") !== oauth.dialect.clientId) return { status: 400, body: { status: 400, message: "Invalid client id" } };
        return oauth.revoke(req);
      }
      case "GET /oauth2/validate": {
        const auth = oauth.authenticate(bearer(req, "OAuth"));
        state.validations.push(auth.ok ? 200 : 401);
        if (!auth.ok) return { status: 401, body: { status: 401, message: "invalid access token" } };
        const body: TokenInfoData = { client_id: oauth.dialect.clientId, login: auth.user.login, scopes: auth.scopes, user_id: auth.user.id, expires_in: auth.expiresInSec };
        return { status: 200, body };
      }
      case "GET /helix/users": {
        const who = helixUser(req);
        if (who.fail) return who.fail;
        const user: HelixUserData = {
          id: who.user.id,
          login: who.user.login,
          display_name: who.user.displayName,
          description: "",
          type: "",
          broadcaster_type: "affiliate",
          profile_image_url: "",
          offline_image_url: "",
          view_count: 0,
          created_at: "2019-01-01T00:00:00Z",
        };
        return { status: 200, body: { data: [user] } satisfies HelixResponse<HelixUserData> };
      }
      case "GET /helix/streams/key": {
        const who = helixUser(req);
        if (who.fail) return who.fail;
        if (!who.scopes.includes("channel:read:stream_key")) return helixError(401, "Unauthorized", "Missing scope: channel:read:stream_key");
        if (req.url.searchParams.get("broadcaster_id") !== who.user.id) return helixError(403, "Forbidden", "The ID in broadcaster_id must match the user ID found in the request's OAuth token.");
        return { status: 200, body: { data: [{ stream_key: state.streamKey }] } satisfies HelixResponse<HelixGetStreamKeyData> };
      }
      case "GET /helix/streams": {
        const who = helixUser(req);
        if (who.fail) return who.fail;
        const answer = streamsAnswer(req, who.user);
        streamsCalls.push({ at: Date.now(), status: answer.status });
        return answer;
      }
      case "PATCH /helix/channels": {
        const who = helixUser(req);
        if (who.fail) return who.fail;
        if (!who.scopes.includes("channel:manage:broadcast")) return helixError(401, "Unauthorized", "Missing scope: channel:manage:broadcast");
        if (req.url.searchParams.get("broadcaster_id") !== who.user.id) return helixError(403, "Forbidden", "The ID in broadcaster_id must match the user ID found in the request's OAuth token.");
        const patch = req.json<Partial<Pick<HelixChannelData, "title" | "game_id" | "broadcaster_language">>>();
        if (patch.title !== undefined) state.titles.set(who.user.id, patch.title);
        return { status: 204 };
      }
      case "POST /helix/schedule/segment":
      case "PATCH /helix/schedule/segment":
      case "DELETE /helix/schedule/segment": {
        const who = helixUser(req);
        if (who.fail) return who.fail;
        return scheduleSegment(req, who.user, who.scopes);
      }
      default: {
        if (!path.includes(" /helix/")) return helixError(404, "Not Found", `no route ${path}`);
        const who = helixUser(req);
        if (who.fail) return who.fail;
        return eventsub.helix(req, who.user, who.scopes) ?? helixError(404, "Not Found", `no route ${path}`);
      }
    }
  });

  /** Helix's schedule segment routes, checked as Twitch documents them (dev.twitch.tv/docs/api/reference#create-channel-stream-schedule-segment). */
  function scheduleSegment(req: FakeRequest, user: FakeUser, scopes: string[]): FakeAnswer {
    if (!scopes.includes("channel:manage:schedule")) return helixError(401, "Unauthorized", "Missing scope: channel:manage:schedule");
    if (req.url.searchParams.get("broadcaster_id") !== user.id) return helixError(403, "Forbidden", "The ID in broadcaster_id must match the user ID found in the request's OAuth token.");
    if (state.scheduleNotAllowed) return helixError(403, "Forbidden", "Only partners and affiliates may add non-recurring broadcast segments.");
    const id = req.url.searchParams.get("id");
    const existing = id ? state.segments.get(id) : undefined;
    if (req.method !== "POST" && !existing) return helixError(404, "Not Found", "Segment not found.");
    if (req.method === "DELETE") {
      state.segments.delete(id!);
      return { status: 204 };
    }
    const input = req.json<SegmentBody>();
    if (req.method === "POST" && (!input.start_time || !input.timezone || input.is_recurring === undefined)) return helixError(400, "Bad Request", "Missing required parameter: start_time, timezone and is_recurring are required.");
    if (input.start_time !== undefined && Number.isNaN(Date.parse(input.start_time))) return helixError(400, "Bad Request", "start_time must be RFC3339.");
    const minutes = input.duration === undefined ? undefined : Number(input.duration);
    if (minutes !== undefined && !(Number.isInteger(minutes) && minutes >= 30 && minutes <= 1380)) return helixError(400, "Bad Request", "duration must be between 30 and 1380 minutes.");
    if (input.title !== undefined && input.title.length > 140) return helixError(400, "Bad Request", "title must be at most 140 characters.");
    const start = input.start_time ?? existing!.start_time;
    const length = minutes ?? (existing ? (Date.parse(existing.end_time) - Date.parse(existing.start_time)) / 60_000 : 240);
    const segment: HelixScheduleSegmentData = {
      id: existing?.id ?? `eyJzZWdtZW50SUQiOiI${Math.random().toString(36).slice(2, 12)}`,
      start_time: new Date(start).toISOString(),
      end_time: new Date(Date.parse(start) + length * 60_000).toISOString(),
      title: input.title ?? existing?.title ?? "",
      canceled_until: null,
      category: null,
      is_recurring: false,
    };
    state.segments.set(segment.id, segment);
    const body: HelixScheduleResponse = {
      data: { segments: [segment], broadcaster_id: user.id, broadcaster_name: user.displayName, broadcaster_login: user.login, vacation: null },
      pagination: {},
    };
    return { status: 200, body };
  }

  return {
    ...server,
    close: () => Promise.all([server.close(), eventsub.close()]).then(() => undefined),
    segments: state.segments,
    get scheduleNotAllowed() {
      return state.scheduleNotAllowed;
    },
    set scheduleNotAllowed(on: boolean) {
      state.scheduleNotAllowed = on;
    },
    oauth,
    eventsub,
    get streamKey() {
      return state.streamKey;
    },
    rotateKey: () => (state.streamKey = newKey()),
    get viewers() {
      return state.viewers;
    },
    set viewers(n: number | null) {
      state.viewers = n;
    },
    streamsFaults,
    streamsCalls,
    titles: state.titles,
    helixTokens: state.helixTokens,
    validations: state.validations,
    env: () => ({
      PRISM_TWITCH_CLIENT_ID: oauth.dialect.clientId,
      PRISM_TWITCH_CLIENT_SECRET: oauth.dialect.clientSecret,
      PRISM_TWITCH_AUTH_URL: server.url,
      PRISM_TWITCH_API_URL: server.url,
      PRISM_TWITCH_EVENTSUB_URL: eventsub.url,
    }),
  };
}

function newKey(): string {
  return `live_141981764_${Math.random().toString(36).slice(2, 14)}`;
}
