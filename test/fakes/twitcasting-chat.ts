import type { FakeAnswer, FakeRequest } from "./http.js";
import type { FakeUser } from "./oauth-server.js";
import type {
  TwitCastingComment,
  TwitCastingComments,
  TwitCastingCurrentLive,
  TwitCastingDeletedComment,
  TwitCastingMovie,
  TwitCastingPostedComment,
} from "./twitcasting-chat-types.js";
import type { TwitCastingError, TwitCastingUser } from "./twitcasting-types.js";

const tcError = (status: number, code: number, message: string, headers?: Record<string, string>): FakeAnswer => ({
  status,
  body: { error: { code, message } } satisfies TwitCastingError,
  ...(headers && { headers }),
});

export const viewer = (id: string, name: string): TwitCastingUser => ({
  id,
  screen_id: `c:${name.toLowerCase()}`,
  name,
  image: `https://imagegw02.twitcasting.tv/image3s/pbs.twimg.com/profile_images/${id}.jpg`,
  profile: "",
  level: 5,
  last_movie_id: null,
  is_live: false,
  created: 1_400_000_000,
});

/**
 * TwitCasting's current live and comment endpoints. Comment ids grow; lists are newest first, from
 * `offset` counted from the newest; `slice_id` answers only comments after that id, still newest
 * first and from the newest end: with more than `limit` new ones the oldest of them are not in the
 * answer (a reader that moves its slice_id to the newest id it got would skip them). A fixed 60-second window of 60 calls per token
 * (shrinkable for tests) answers 429 when spent, with X-RateLimit-* headers on every answer.
 */
export class TwitCastingChatFake {
  readonly movies = new Map<string, { movie: TwitCastingMovie; comments: TwitCastingComment[] }>();
  /** The streamer's movie while live, else null (current_live answers 404). */
  liveMovieId: string | null = null;
  readonly deleted: string[] = [];
  readonly faults: Array<"down"> = [];
  rateLimit = { limit: 60, windowMs: 60_000 };
  /**
   * Which end of the comments after `slice_id` a full answer holds. TwitCasting's reference says lists
   * are newest first and does not say which end `slice_id` keeps; "newest" is how the reference reads,
   * "oldest" the other reading, so a reader can be checked against both.
   */
  sliceKeeps: "newest" | "oldest" = "newest";
  /** Every comment list call: when, its slice_id, and the status. */
  readonly listCalls: Array<{ at: number; sliceId: string | null; offset: string | null; status: number; resetAt: number }> = [];
  private nextComment = 7_000_000_000;
  private nextMovie = 189_037_369;
  private window = { start: 0, used: 0 };

  constructor(private readonly streamer: FakeUser) {}

  /** The streamer goes live in a new movie. */
  startMovie(): string {
    const id = String(this.nextMovie++);
    const movie: TwitCastingMovie = {
      id,
      user_id: this.streamer.id,
      title: "Live",
      subtitle: null,
      last_owner_comment: null,
      category: null,
      link: `https://twitcasting.tv/${this.streamer.login}/movie/${id}`,
      is_live: true,
      is_recorded: false,
      comment_count: 0,
      large_thumbnail: "",
      small_thumbnail: "",
      country: "jp",
      duration: 0,
      created: Math.floor(Date.now() / 1000),
      is_collabo: false,
      is_protected: false,
      max_view_count: 0,
      current_view_count: 0,
      total_view_count: 0,
      hls_url: null,
    };
    this.movies.set(id, { movie, comments: [] });
    this.liveMovieId = id;
    return id;
  }

  comment(movieId: string, from: TwitCastingUser, message: string): TwitCastingComment {
    const comment: TwitCastingComment = { id: String(this.nextComment++), message, from_user: from, created: Math.floor(Date.now() / 1000) };
    const m = this.movies.get(movieId)!;
    m.comments.push(comment);
    m.movie.comment_count = m.comments.length;
    return comment;
  }

  /** Answers the live and comment routes for an authenticated user; undefined for other routes. */
  handle(req: FakeRequest, user: FakeUser): FakeAnswer | undefined {
    const path = req.url.pathname;
    const route =
      /^\/users\/([^/]+)\/current_live$/.exec(path) ? "live" : /^\/movies\/([^/]+)\/comments$/.exec(path) ? "comments" : /^\/movies\/([^/]+)\/comments\/([^/]+)$/.exec(path) ? "comment" : undefined;
    if (!route) return undefined;
    const limits = this.spend();
    const answer = limits.ok ? this.route(req, user, route) : tcError(429, 429, "Too Many Requests");
    if (route === "comments" && req.method === "GET") this.listCalls.push({ at: Date.now(), sliceId: req.url.searchParams.get("slice_id"), offset: req.url.searchParams.get("offset"), status: answer.status, resetAt: Number(limits.headers["X-RateLimit-Reset"]) * 1000 });
    return { ...answer, headers: { ...answer.headers, ...limits.headers } };
  }

  private route(req: FakeRequest, user: FakeUser, route: "live" | "comments" | "comment"): FakeAnswer {
    if (this.faults.shift() === "down") return tcError(500, 2000, "Execution error");
    const parts = req.url.pathname.split("/");
    if (route === "live") {
      const live = parts[2] === this.streamer.id && this.liveMovieId ? this.movies.get(this.liveMovieId) : undefined;
      if (!live) return tcError(404, 404, "Not Found");
      const broadcaster: TwitCastingUser = { ...viewer(this.streamer.id, this.streamer.displayName), screen_id: this.streamer.login, is_live: true };
      return { status: 200, body: { movie: live.movie, broadcaster, tags: [] } satisfies TwitCastingCurrentLive };
    }
    const m = this.movies.get(parts[2]!);
    if (!m) return tcError(404, 404, "Not Found");
    if (route === "comments" && req.method === "GET") {
      const q = req.url.searchParams;
      const limit = Number(q.get("limit") ?? 10);
      if (!(limit >= 1 && limit <= 50)) return tcError(400, 1001, "Validation error");
      const slice = q.get("slice_id");
      const offset = slice ? 0 : Number(q.get("offset") ?? 0);
      const newestFirst = [...m.comments].reverse().filter((c) => !slice || BigInt(c.id) > BigInt(slice));
      const comments = slice && this.sliceKeeps === "oldest" ? newestFirst.slice(-limit) : newestFirst.slice(offset, offset + limit);
      return { status: 200, body: { movie_id: m.movie.id, all_count: m.comments.length, comments } satisfies TwitCastingComments };
    }
    if (route === "comments" && req.method === "POST") {
      const { comment, sns } = req.json<{ comment?: string; sns?: string }>();
      if (!comment || comment.length > 140 || (sns && !["none", "normal", "reply"].includes(sns))) return tcError(400, 1001, "Validation error");
      const posted = this.comment(m.movie.id, viewer(user.id, user.displayName), comment);
      return { status: 201, body: { movie_id: m.movie.id, all_count: m.comments.length, comment: posted } satisfies TwitCastingPostedComment };
    }
    if (route === "comment" && req.method === "DELETE") {
      const at = m.comments.findIndex((c) => c.id === parts[4]);
      if (at < 0) return tcError(404, 404, "Not Found");
      m.comments.splice(at, 1);
      this.deleted.push(parts[4]!);
      return { status: 200, body: { comment_id: parts[4]! } satisfies TwitCastingDeletedComment };
    }
    return tcError(404, 404, "Not Found");
  }

  private spend(): { ok: boolean; headers: Record<string, string> } {
    const now = Date.now();
    if (now - this.window.start >= this.rateLimit.windowMs) this.window = { start: now, used: 0 };
    const ok = this.window.used < this.rateLimit.limit;
    if (ok) this.window.used++;
    const headers = {
      "X-RateLimit-Limit": String(this.rateLimit.limit),
      "X-RateLimit-Remaining": String(this.rateLimit.limit - this.window.used),
      "X-RateLimit-Reset": String(Math.ceil((this.window.start + this.rateLimit.windowMs) / 1000)),
    };
    return { ok, headers };
  }
}
