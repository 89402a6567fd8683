/**
 * TwitCasting API v2 wire types for comments and the current live, written from its reference
 * (https://apiv2-doc.twitcasting.tv/: "Get Current Live", "Get Comments", "Post Comment",
 * "Delete Comment", "Movie object", "Comment object"); TwitCasting publishes no typed client.
 */
import type { TwitCastingUser } from "./twitcasting-types.js";

/** The Movie object. */
export interface TwitCastingMovie {
  id: string;
  user_id: string;
  title: string;
  subtitle: string | null;
  last_owner_comment: string | null;
  category: string | null;
  link: string;
  is_live: boolean;
  is_recorded: boolean;
  comment_count: number;
  large_thumbnail: string;
  small_thumbnail: string;
  country: string;
  duration: number;
  /** Unix seconds. */
  created: number;
  is_collabo: boolean;
  is_protected: boolean;
  max_view_count: number;
  current_view_count: number;
  total_view_count: number;
  hls_url: string | null;
}

/** GET /users/:user_id/current_live (an error with code 404 while the user is not live). */
export interface TwitCastingCurrentLive {
  movie: TwitCastingMovie;
  broadcaster: TwitCastingUser;
  tags: string[];
}

/** The Comment object. */
export interface TwitCastingComment {
  id: string;
  message: string;
  from_user: TwitCastingUser;
  /** Unix seconds. */
  created: number;
}

/** GET /movies/:movie_id/comments: newest first. */
export interface TwitCastingComments {
  movie_id: string;
  all_count: number;
  comments: TwitCastingComment[];
}

/** POST /movies/:movie_id/comments. */
export interface TwitCastingPostedComment {
  movie_id: string;
  all_count: number;
  comment: TwitCastingComment;
}

/** DELETE /movies/:movie_id/comments/:comment_id. */
export interface TwitCastingDeletedComment {
  comment_id: string;
}
