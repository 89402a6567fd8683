import { randomBytes } from "node:crypto";
import { bearer, startFakeServer, type FakeAnswer, type FakeRequest, type FakeServer } from "./http.js";
import { OAuthServer, type FakeUser, type OAuthTokenResponse } from "./oauth-server.js";
import type { GraphAccessToken, GraphComment, GraphCommentList, GraphError, GraphLiveVideo, GraphLiveVideoCreated, GraphPageList, GraphUser } from "./facebook-types.js";

export const GRAPH = "/v24.0";
export const FACEBOOK_USER: FakeUser = { id: "10158000000000001", login: "alex.rivera", displayName: "Alex Rivera" };
export const FACEBOOK_PAGE = { id: "104000000000001", name: "Alex Plays", category: "Video creator" };
/** A short-lived user token lasts about an hour; the exchanged one about 60 days. */
const SHORT_TTL_SEC = 3_600;
const LONG_TTL_SEC = 5_183_944;

let traces = 0;
const graphError = (status: number, code: number, message: string, subcode?: number): FakeAnswer => ({
  status,
  body: { error: { message, type: code === 190 ? "OAuthException" : "GraphMethodException", code, ...(subcode && { error_subcode: subcode }), fbtrace_id: `Atrace${++traces}` } } satisfies GraphError,
});

export type FacebookFault = "rate-limit" | "expired";

export interface FakeLiveVideo {
  id: string;
  pageId: string;
  status: GraphLiveVideo["status"];
  title: string;
  description: string;
  streamKey: string;
  /** Every title the video was given, in order (creation first). */
  titles: string[];
  comments: GraphComment[];
}

export interface FacebookFake extends FakeServer {
  oauth: OAuthServer;
  /** The Pages FACEBOOK_USER manages (and Prism was given). */
  pages: Array<typeof FACEBOOK_PAGE>;
  /** Where secure_stream_url points: an RTMPS server standing in for live-api-s.facebook.com:443/rtmp. */
  ingest: { secureBase: string; keySuffix: string };
  liveVideos: Map<string, FakeLiveVideo>;
  /** The next Graph calls (not the token endpoint) answer with these, one each. */
  faults: FacebookFault[];
  /** Every Graph call: method, path and the status answered. */
  calls: Array<{ method: string; path: string; status: number; at: number }>;
  counts: { longLivedExchanges: number };
  /** Set to refuse the next fb_exchange_token (the app is not allowed long-lived tokens, or Facebook is unwell). */
  refuseNextExchange: boolean;
  /** A viewer comments on a live video. */
  comment(videoId: string, from: { id: string; name: string }, message: string): GraphComment;
  /** Every user and Page token stops working now (expired, password changed, app removed). */
  expireTokens(): void;
  env(): Record<string, string>;
}

/**
 * The Graph API as a linked Page's live broadcast meets it: the Login dialog (a real 302 back with
 * code and state), the code exchange and fb_exchange_token (POST form, client secret in the form, no
 * refresh token), /me, /me/accounts with Page tokens, a Page's live_videos (Page token only; the
 * plain-RTMP stream_url leads nowhere, only secure_stream_url works), title updates and
 * end_live_video, and the live video's comments (cursor pages, newest first on request) read and
 * posted as the Page. Unkind where Facebook is: errors come as {error:{code,…}} with HTTP 400,
 * a dead token is code 190 whatever the call, rate limits are code 4 with no retry time.
 */
export async function startFacebookFake(): Promise<FacebookFake> {
  const oauth = new OAuthServer(
    {
      clientId: "1234567890123456",
      clientSecret: "facebook-app-secret-fake",
      clientAuth: "body",
      pkce: "none",
      accessTtlSec: SHORT_TTL_SEC,
      refreshTokens: "none",
      scopeFormat: "none",
      tokenResponse: (t: OAuthTokenResponse): GraphAccessToken => ({ access_token: t.access_token, token_type: "bearer", expires_in: t.expires_in }),
      tokenError: (_kind, description) => graphError(400, 100, description),
    },
    FACEBOOK_USER,
  );
  const pages = [FACEBOOK_PAGE];
  const pageTokens = new Map<string, { pageId: string; userId: string }>();
  const liveVideos = new Map<string, FakeLiveVideo>();
  const faults: FacebookFault[] = [];
  const calls: FacebookFake["calls"] = [];
  const counts = { longLivedExchanges: 0 };
  const ingest = { secureBase: "rtmps://127.0.0.1:1/rtmp", keySuffix: "" };
  let ids = 900_000_000_000_000;
  const nextId = () => String(++ids);

  /** fb_exchange_token: a valid user token for a long-lived one, the client authenticated in the form. */
  function exchange(req: FakeRequest): FakeAnswer {
    const form = req.form();
    if (form.get("client_id") !== oauth.dialect.clientId || form.get("client_secret") !== oauth.dialect.clientSecret) return graphError(400, 1, "Error validating client secret.");
    const current = oauth.authenticate(form.get("fb_exchange_token") ?? undefined);
    if (!current.ok) return graphError(400, 190, "Error validating access token: Session has expired.", 463);
    counts.longLivedExchanges += 1;
    if (fake.refuseNextExchange) {
      fake.refuseNextExchange = false;
      return graphError(400, 100, "(#100) Invalid fb_exchange_token for this application");
    }
    const ttl = oauth.dialect.accessTtlSec;
    oauth.dialect.accessTtlSec = LONG_TTL_SEC;
    try {
      const token = oauth.grant(current.user, current.scopes);
      return { status: 200, body: { access_token: token.access_token, token_type: "bearer", expires_in: token.expires_in } satisfies GraphAccessToken };
    } finally {
      oauth.dialect.accessTtlSec = ttl;
    }
  }

  function whoIs(token: string | undefined): { kind: "user"; user: FakeUser } | { kind: "page"; pageId: string } | null {
    const user = oauth.authenticate(token);
    if (user.ok) return { kind: "user", user: user.user };
    const page = token === undefined ? undefined : pageTokens.get(token);
    return page ? { kind: "page", pageId: page.pageId } : null;
  }

  function liveVideoCall(req: FakeRequest, video: FakeLiveVideo, rest: string): FakeAnswer | null {
    if (req.method === "GET" && rest === "") {
      return { status: 200, body: { id: video.id, status: video.status, title: video.title, description: video.description, ...urls(video) } satisfies GraphLiveVideo };
    }
    if (req.method === "POST" && rest === "") {
      const form = req.form();
      if (form.get("end_live_video") === "true") video.status = "VOD";
      if (form.has("title")) {
        video.title = form.get("title")!;
        video.titles.push(video.title);
      }
      if (form.has("description")) video.description = form.get("description")!;
      return { status: 200, body: { id: video.id } };
    }
    if (req.method === "GET" && rest === "/comments") return { status: 200, body: listComments(req, video) };
    if (req.method === "POST" && rest === "/comments") {
      const message = req.form().get("message") ?? "";
      if (!message.trim()) return graphError(400, 100, "(#100) The parameter message is required");
      const page = pages.find((p) => p.id === video.pageId)!;
      return { status: 200, body: { id: addComment(video, { id: page.id, name: page.name }, message).id } };
    }
    return null;
  }

  function urls(video: FakeLiveVideo) {
    return { stream_url: `rtmp://127.0.0.1:1/rtmp/${video.streamKey}`, secure_stream_url: `${ingest.secureBase}/${video.streamKey}` };
  }

  function listComments(req: FakeRequest, video: FakeLiveVideo): GraphCommentList {
    const q = req.url.searchParams;
    const ordered = q.get("order") === "reverse_chronological" ? [...video.comments].reverse() : video.comments;
    const limit = Math.min(Number(q.get("limit") ?? 25) || 25, 100);
    const start = q.has("after") ? Number(Buffer.from(q.get("after")!, "base64url").toString()) : 0;
    const data = ordered.slice(start, start + limit);
    if (data.length === 0) return { data };
    const cursor = (n: number) => Buffer.from(String(n)).toString("base64url");
    const more = start + limit < ordered.length;
    return { data, paging: { cursors: { before: cursor(start), after: cursor(start + data.length) }, ...(more && { next: `https://graph.facebook.com${GRAPH}/${video.id}/comments?after=${cursor(start + data.length)}` }) } };
  }

  function addComment(video: FakeLiveVideo, from: { id: string; name: string }, message: string): GraphComment {
    const comment: GraphComment = {
      id: `${video.id}_${nextId()}`,
      message,
      created_time: new Date().toISOString().replace(/\.\d{3}Z$/, "+0000"),
      from: { ...from, picture: { data: { url: `https://scontent.example/${from.id}.jpg`, height: 50, width: 50, is_silhouette: false } } },
    };
    video.comments.push(comment);
    return comment;
  }

  function handleGraph(req: FakeRequest, path: string): FakeAnswer {
    const fault = faults.shift();
    if (fault === "rate-limit") return graphError(400, 4, "(#4) Application request limit reached");
    if (fault === "expired") return graphError(400, 190, "Error validating access token: Session has expired on Saturday, 05-Dec-26 10:00:00 PST.", 463);
    const who = whoIs(bearer(req));
    if (!who) return graphError(400, 190, "Invalid OAuth access token - Cannot parse access token");
    if (req.method === "GET" && path === "/me") {
      if (who.kind !== "user") return graphError(400, 100, "(#100) This call needs a user token in this fake");
      const fields = req.url.searchParams.get("fields") ?? "id,name";
      return { status: 200, body: { id: who.user.id, ...(fields.includes("name") && { name: who.user.displayName }) } as GraphUser };
    }
    if (req.method === "GET" && path === "/me/accounts") {
      if (who.kind !== "user") return graphError(400, 100, "(#100) Tried accessing nonexisting field (accounts) on node type (Page)");
      const data = pages.map((p) => {
        const token = `EAAPage${randomBytes(12).toString("hex")}`;
        oauth.issued.push(token);
        pageTokens.set(token, { pageId: p.id, userId: who.user.id });
        return { ...p, access_token: token, tasks: ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"] };
      });
      return { status: 200, body: { data, paging: { cursors: { before: "QVFIUmJ", after: "QVFIUmZA" } } } satisfies GraphPageList };
    }
    const created = /^\/(\d+)\/live_videos$/.exec(path);
    if (req.method === "POST" && created) {
      const page = pages.find((p) => p.id === created[1]);
      if (!page) return graphError(400, 100, `(#100) Unsupported post request. Object with ID '${created[1]}' does not exist`);
      if (who.kind !== "page" || who.pageId !== page.id) return graphError(400, 200, "(#200) Requires a Page access token of the Page to publish live video on it");
      const form = req.form();
      const id = nextId();
      const streamKey = `FB-${id}-0-Ab${randomBytes(10).toString("hex")}${ingest.keySuffix}`;
      const title = form.get("title") ?? "";
      liveVideos.set(id, { id, pageId: page.id, status: form.get("status") === "LIVE_NOW" ? "LIVE" : "UNPUBLISHED", title, description: form.get("description") ?? "", streamKey, titles: [title], comments: [] });
      // The plain-RTMP URL goes nowhere: Facebook takes RTMPS only.
      return { status: 200, body: { id, ...urls(liveVideos.get(id)!) } satisfies GraphLiveVideoCreated };
    }
    const node = /^\/(\d+)(\/comments)?$/.exec(path);
    const video = node && liveVideos.get(node[1]!);
    if (video) {
      if (who.kind !== "page" || who.pageId !== video.pageId) return graphError(400, 10, "(#10) This endpoint requires the Page access token of the live video's Page");
      return liveVideoCall(req, video, node[2] ?? "") ?? graphError(400, 100, `(#100) Unsupported ${req.method} request`);
    }
    const comment = /^\/(\d+)_(\d+)$/.exec(path);
    if (req.method === "DELETE" && comment) {
      const owner = liveVideos.get(comment[1]!);
      if (!owner || who.kind !== "page" || who.pageId !== owner.pageId) return graphError(400, 10, "(#10) Permission denied");
      owner.comments = owner.comments.filter((c) => c.id !== path.slice(1));
      return { status: 200, body: { success: true } };
    }
    return graphError(400, 100, `(#100) Unsupported ${req.method} request to ${path}`);
  }

  const server = await startFakeServer((req): FakeAnswer => {
    const path = req.url.pathname;
    if (req.method === "GET" && path === `${GRAPH}/dialog/oauth`) return oauth.authorize(req);
    if (req.method === "POST" && path === `${GRAPH}/oauth/access_token`) {
      return req.form().get("grant_type") === "fb_exchange_token" ? exchange(req) : oauth.token(req);
    }
    if (!path.startsWith(`${GRAPH}/`)) return graphError(400, 2500, "Unknown path components");
    const answer = handleGraph(req, path.slice(GRAPH.length));
    calls.push({ method: req.method, path: path.slice(GRAPH.length), status: answer.status, at: Date.now() });
    return answer;
  });

  const fake: FacebookFake = {
    ...server,
    refuseNextExchange: false,
    oauth,
    pages,
    ingest,
    liveVideos,
    faults,
    calls,
    counts,
    comment: (videoId, from, message) => addComment(liveVideos.get(videoId)!, from, message),
    expireTokens: () => {
      oauth.invalidateAccessTokens();
      pageTokens.clear();
    },
    env: () => ({
      PRISM_FACEBOOK_CLIENT_ID: oauth.dialect.clientId,
      PRISM_FACEBOOK_CLIENT_SECRET: oauth.dialect.clientSecret,
      PRISM_FACEBOOK_AUTH_URL: `${server.url}${GRAPH}`,
      PRISM_FACEBOOK_TOKEN_URL: `${server.url}${GRAPH}`,
      PRISM_FACEBOOK_API_URL: `${server.url}${GRAPH}`,
    }),
  };
  return fake;
}
