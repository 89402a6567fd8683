import type { AccountApi, AccountSupport, LinkedPlatform, LinkedPlatformDeps, StreamInfo } from "../account-types.js";
import { PlatformRefused } from "../account-types.js";
import { checkRtmpIngest } from "../rtmp-ingest-check.js";
import { facebookChat, type LiveVideoRef } from "./chat.js";
import type { FacebookOptions } from "./config.js";
import { graph, type Page } from "./graph.js";
import { facebookViewers } from "./viewers.js";

/**
 * What each call needs (developers.facebook.com/docs/permissions): the Pages the person manages
 * (pages_show_list); a Page's live video, created as the Page (pages_manage_posts with
 * pages_read_engagement, publish_video); its comments read with their authors
 * (pages_read_user_content) and written as the Page (pages_manage_engagement).
 */
export const FACEBOOK_SCOPES = ["pages_show_list", "pages_read_engagement", "pages_manage_posts", "publish_video", "pages_read_user_content", "pages_manage_engagement"] as const;

/** Facebook caps a live video's title well below what Prism accepts; the description is kept whole up to this. */
const TITLE_MAX = 255;
const DESCRIPTION_MAX = 5_000;

/**
 * Facebook Login for a Meta app (authorization code, client secret in the form; Facebook's PKCE is
 * still "in testing", so it is not used). The code gives a short-lived user token (an hour or two),
 * swapped at once for a long-lived one (about 60 days); Facebook issues no refresh token, so when
 * it expires or is refused (code 190) the account needs connecting again. Live videos and comments
 * belong to a Page and are made with that Page's token, asked from /me/accounts at each go-live
 * and kept only in memory; the live video's id is kept with the account, so a restart carries on
 * in the same broadcast.
 */
export const facebookAccounts: AccountSupport<FacebookOptions> = {
  oauth: {
    authorizePath: "/dialog/oauth",
    tokenPath: "/oauth/access_token",
    scopes: FACEBOOK_SCOPES,
    pkce: false,
    clientAuth: "body",
    exchangeGrant: { grantType: "fb_exchange_token", tokenField: "fb_exchange_token" },
  },
  create: (deps) => new FacebookLive(deps),
};

interface Session extends LiveVideoRef {
  ingest: { url: string; streamKey: string };
  title: string;
  description: string;
}

/** POST /{page-id}/live_videos answers the new LiveVideo's id and its ingest URLs. */
interface LiveVideoCreated {
  id: string;
  stream_url?: string;
  secure_stream_url?: string;
}

class FacebookLive implements LinkedPlatform {
  /** One live video per destination per go-live; reconnects reuse it. */
  private readonly sessions = new Map<string, Session>();
  readonly chat;
  readonly viewers;

  constructor(private readonly deps: LinkedPlatformDeps<FacebookOptions>) {
    this.chat = facebookChat({ apiUrl: deps.settings.apiUrl, pollMs: deps.settings.options.chatPollMs, liveVideoOf: (destinationId) => this.sessions.get(destinationId) });
    this.viewers = facebookViewers({ apiUrl: deps.settings.apiUrl, intervalMs: deps.settings.options.viewersPollMs, liveVideoOf: (destinationId) => this.sessions.get(destinationId) });
  }

  async identify(api: AccountApi) {
    const me = await graph<{ id: string; name?: string }>(api, this.apiUrl, "describe the account", "/me", { query: { fields: "id,name" } });
    // Linking an account that cannot go live anywhere would only fail later, at go-live.
    const page = await this.page(api, me.name ?? me.id);
    this.deps.log.info({ page: page.id, pageName: page.name }, "Facebook account manages the Page it will go live on");
    return { platformUserId: me.id, displayName: me.name || me.id };
  }

  async ingest(api: AccountApi, stream: StreamInfo) {
    const title = stream.title.slice(0, TITLE_MAX);
    const description = (stream.description ?? "").slice(0, DESCRIPTION_MAX);
    const known = this.sessions.get(stream.destinationId) ?? (await this.resume(api, stream.destinationId));
    if (known) {
      if (known.title !== title || known.description !== description) await this.pushTitle(api, known, title, description);
      return known.ingest;
    }
    const page = await this.page(api, api.account.displayName);
    const video = await graph<LiveVideoCreated>(api, this.apiUrl, "create the live video", `/${encodeURIComponent(page.id)}/live_videos`, {
      method: "POST",
      page,
      form: { status: "LIVE_NOW", title, description },
    });
    const session: Session = { liveVideoId: video.id, page, ingest: secureIngest(video, page), title, description };
    await this.keep(api, stream.destinationId, session);
    this.deps.log.info({ liveVideo: video.id, page: page.id }, "Facebook live video created");
    return session.ingest;
  }

  async ended(api: AccountApi, stream: StreamInfo) {
    const session = this.sessions.get(stream.destinationId) ?? (await this.resume(api, stream.destinationId));
    if (!session) return;
    await this.forget(api, stream.destinationId);
    await graph(api, this.apiUrl, "end the live video", `/${encodeURIComponent(session.liveVideoId)}`, { method: "POST", page: session.page, form: { end_live_video: "true" } });
    this.deps.log.info({ liveVideo: session.liveVideoId }, "Facebook live video ended");
  }

  close() {
    this.sessions.clear();
  }

  /**
   * The live video a previous run of Prism made for the destination (its id is kept with the
   * account), while Facebook still has it live: a restart mid-stream carries on in the same
   * broadcast instead of leaving it behind and starting another.
   */
  private async resume(api: AccountApi, destinationId: string): Promise<Session | undefined> {
    const left = (await leftovers(api))[destinationId];
    if (!left) return undefined;
    const page = await this.page(api, api.account.displayName);
    const video = page.id === left.pageId
      ? await graph<LiveVideoCreated & { status?: string; title?: string; description?: string }>(api, this.apiUrl, "describe the live video", `/${encodeURIComponent(left.id)}`, {
          page,
          query: { fields: "id,status,title,description,secure_stream_url" },
        }).catch((err: Error) => this.deps.log.warn({ liveVideo: left.id, reason: err.message }, "Facebook live video of a previous run is gone"))
      : undefined;
    if (!video || !RESUMABLE.has(video.status ?? "")) {
      await this.forget(api, destinationId);
      return undefined;
    }
    const session: Session = { liveVideoId: video.id, page, ingest: secureIngest(video, page), title: video.title ?? "", description: video.description ?? "" };
    this.sessions.set(destinationId, session);
    this.deps.log.info({ liveVideo: video.id }, "Facebook live video of a previous run resumed");
    return session;
  }

  private async keep(api: AccountApi, destinationId: string, session: Session) {
    this.sessions.set(destinationId, session);
    const data = await api.data();
    await api.saveData({ ...data, liveVideos: { ...leftoversIn(data), [destinationId]: { id: session.liveVideoId, pageId: session.page.id } } });
  }

  private async forget(api: AccountApi, destinationId: string) {
    this.sessions.delete(destinationId);
    const data = await api.data();
    const { [destinationId]: _gone, ...rest } = leftoversIn(data);
    await api.saveData({ ...data, liveVideos: rest });
  }

  private get apiUrl() {
    return this.deps.settings.apiUrl;
  }

  /** A new title between two connections reaches the live video; failing to, it keeps streaming under the old one. */
  private async pushTitle(api: AccountApi, session: Session, title: string, description: string) {
    try {
      await graph(api, this.apiUrl, "change the live video's title", `/${encodeURIComponent(session.liveVideoId)}`, { method: "POST", page: session.page, form: { title, description } });
      Object.assign(session, { title, description });
    } catch (err) {
      this.deps.log.warn({ liveVideo: session.liveVideoId, reason: (err as Error).message }, "Facebook kept the old title");
    }
  }

  /** The Page to go live on: the one Prism's settings name, else the first the account manages. */
  private async page(api: AccountApi, who: string): Promise<Page> {
    const wanted = this.deps.settings.options.pageId;
    const pages = await graph<{ data: Array<{ id: string; name: string; access_token?: string }> }>(api, this.apiUrl, "list the account's Pages", "/me/accounts", {
      query: { fields: "id,name,access_token", limit: "100" },
    });
    const found = wanted ? pages.data.find((p) => p.id === wanted) : pages.data[0];
    if (!found) {
      throw new PlatformRefused(
        wanted
          ? `The Facebook account ${who} does not manage the Page ${wanted} named by PRISM_FACEBOOK_PAGE_ID, or did not give Prism access to it: link the account again and tick that Page.`
          : `The Facebook account ${who} manages no Page that Prism may use: Facebook Live through Prism goes to a Page, so create one (or tick it when linking) and link the account again.`,
      );
    }
    if (!found.access_token) throw new PlatformRefused(`Facebook gave no token for the Page ${found.name}: the account needs a role on it that can publish (link the account again).`);
    return { id: found.id, name: found.name, token: found.access_token };
  }
}

/** Live videos kept with the account by destination: ids only (their stream URLs are secrets, asked again). */
async function leftovers(api: AccountApi): Promise<Record<string, { id: string; pageId: string }>> {
  return leftoversIn(await api.data());
}

function leftoversIn(data: Record<string, unknown>): Record<string, { id: string; pageId: string }> {
  return (data.liveVideos as Record<string, { id: string; pageId: string }> | undefined) ?? {};
}

/** Statuses of a live video that can still take the stream. */
const RESUMABLE = new Set(["LIVE", "LIVE_NOW", "UNPUBLISHED"]);

/** Facebook takes live video over RTMPS only: the secure URL, split into server and stream key. */
function secureIngest(video: LiveVideoCreated, page: Page): { url: string; streamKey: string } {
  const raw = video.secure_stream_url ?? "";
  // The key is the last path segment, with Facebook's query (s_bl=…&a=…) still attached.
  const slash = raw.lastIndexOf("/", raw.includes("?") ? raw.indexOf("?") : raw.length);
  const checked = raw.startsWith("rtmps://") && slash > "rtmps://".length ? checkRtmpIngest({ url: raw.slice(0, slash), streamKey: raw.slice(slash + 1) }) : null;
  if (!checked?.ok) {
    throw new PlatformRefused(`Facebook created the live video ${video.id} on ${page.name} without an RTMPS ingest URL Prism can use${checked ? ` (${checked.message})` : ""}; Facebook accepts no plain RTMP.`);
  }
  return { url: checked.url, streamKey: checked.streamKey };
}
