/**
 * TwitCasting API v2 wire types. TwitCasting publishes no typed client, so these are written from its
 * reference (https://apiv2-doc.twitcasting.tv/: "Get RTMP Url", "Verify Credentials", "User object",
 * "Access Token", "Error") and checked against the field names the Swift client
 * noppefoxwolf/TwitCasting decodes (TwitCasting+Broadcasting.swift: enabled / url? / stream_key?;
 * TwitCasting+Model.swift: User).
 */

/** GET /rtmp_url: `url` and `stream_key` are null while RTMP broadcasting is disabled. */
export interface TwitCastingRtmpUrl {
  enabled: boolean;
  url: string | null;
  stream_key: string | null;
}

/** The User object. */
export interface TwitCastingUser {
  id: string;
  screen_id: string;
  name: string;
  image: string;
  profile: string;
  level: number;
  last_movie_id: string | null;
  is_live: boolean;
  /** Unix seconds. */
  created: number;
}

/** GET /verify_credentials. */
export interface TwitCastingVerifyCredentials {
  app: { client_id: string; name: string; owner_user_id: string };
  user: TwitCastingUser;
  supporter_count: number;
  supporting_count: number;
}

/** POST /oauth2/access_token: no refresh token; the access token lasts 180 days. */
export interface TwitCastingAccessToken {
  token_type: "bearer";
  expires_in: number;
  access_token: string;
}

/** Every error: {"error":{"code":1000,"message":"Invalid token"}}; validation errors add details. */
export interface TwitCastingError {
  error: { code: number; message: string; details?: Record<string, string[]> };
}
