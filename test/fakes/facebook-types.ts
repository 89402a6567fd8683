/**
 * The Graph API shapes the Facebook fake speaks, typed from Meta's reference pages (no well-kept
 * client publishes wire types for the Live Video API: facebook-nodejs-business-sdk is untyped JS).
 * developers.facebook.com/docs/graph-api/guides/error-handling,
 * …/facebook-login/guides/access-tokens/get-long-lived, …/graph-api/reference/user/accounts,
 * …/graph-api/reference/page/live_videos, …/graph-api/reference/live-video, …/live-video/comments.
 */

/** Every Graph error: HTTP 400 (or 403/500) with this body. */
export interface GraphError {
  error: { message: string; type: string; code: number; error_subcode?: number; fbtrace_id: string };
}

/** GET|POST /oauth/access_token, for a code and for fb_exchange_token alike. */
export interface GraphAccessToken {
  access_token: string;
  token_type: "bearer";
  expires_in: number;
}

export interface GraphUser {
  id: string;
  name: string;
}

/** GET /me/accounts: the Pages the person manages, each with its Page token. */
export interface GraphPageList {
  data: Array<{ id: string; name: string; access_token: string; category: string; tasks: string[] }>;
  paging: { cursors: { before: string; after: string } };
}

/** POST /{page-id}/live_videos. */
export interface GraphLiveVideoCreated {
  id: string;
  stream_url: string;
  secure_stream_url: string;
}

export type GraphLiveVideoStatus = "UNPUBLISHED" | "LIVE_NOW" | "SCHEDULED_UNPUBLISHED" | "SCHEDULED_LIVE" | "SCHEDULED_CANCELED" | "LIVE" | "LIVE_STOPPED" | "PROCESSING" | "VOD";

/** GET /{live-video-id}. */
export interface GraphLiveVideo {
  id: string;
  status: GraphLiveVideoStatus;
  title?: string;
  description?: string;
  stream_url?: string;
  secure_stream_url?: string;
}

export interface GraphComment {
  id: string;
  message: string;
  created_time: string;
  from?: { id: string; name: string; picture?: { data: { url: string; height: number; width: number; is_silhouette: boolean } } };
}

/** GET /{live-video-id}/comments: cursor-paged, `next` only when there is more. */
export interface GraphCommentList {
  data: GraphComment[];
  paging?: { cursors: { before: string; after: string }; next?: string; previous?: string };
}
