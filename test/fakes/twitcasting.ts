import { bearer, startFakeServer, type FakeAnswer, type FakeServer } from "./http.js";
import { OAuthServer, type FakeUser, type OAuthTokenResponse } from "./oauth-server.js";
import { TwitCastingChatFake } from "./twitcasting-chat.js";
import type { TwitCastingAccessToken, TwitCastingError, TwitCastingRtmpUrl, TwitCastingVerifyCredentials } from "./twitcasting-types.js";

const tcError = (status: number, code: number, message: string): FakeAnswer => ({ status, body: { error: { code, message } } satisfies TwitCastingError });

export interface TwitCastingFake extends FakeServer {
  oauth: OAuthServer;
  rtmp: { enabled: boolean; url: string; streamKey: string };
  /** The current live and its comments (twitcasting-chat.ts). */
  chat: TwitCastingChatFake;
  env(): Record<string, string>;
}

export const TWITCASTING_USER: FakeUser = { id: "182224938", login: "twitcasting_jp", displayName: "ツイキャス公式" };

/**
 * TwitCasting API v2: authorization code without PKCE, client secret in the form, no refresh token;
 * every API call must carry X-Api-Version: 2.0; GET /verify_credentials and GET /rtmp_url.
 */
export async function startTwitCastingFake(): Promise<TwitCastingFake> {
  const oauth = new OAuthServer(
    {
      clientId: "182224938.d37f58350925d568e0e3a5a5ae0ad7ef",
      clientSecret: "twitcasting-secret-fake",
      clientAuth: "body",
      pkce: "none",
      accessTtlSec: 15_552_000,
      refreshTokens: "none",
      // Cancelling consent sends the browser back with ?result=denied and no state.
      denial: "result-denied",
      scopeFormat: "none",
      tokenResponse: (t: OAuthTokenResponse): TwitCastingAccessToken => ({ token_type: "bearer", expires_in: t.expires_in, access_token: t.access_token }),
      tokenError: (kind, description) => tcError(400, kind === "invalid_client" ? 1002 : 400, description),
    },
    TWITCASTING_USER,
  );
  const chat = new TwitCastingChatFake(TWITCASTING_USER);
  const rtmp = { enabled: true, url: "rtmp://127.0.0.1:1/live", streamKey: "tc-key-0001" };
  const server = await startFakeServer((req): FakeAnswer => {
    const path = `${req.method} ${req.url.pathname}`;
    if (path === "GET /oauth2/authorize") return oauth.authorize(req);
    if (path === "POST /oauth2/access_token") return oauth.token(req);
    if (req.headers["x-api-version"] !== "2.0") return tcError(400, 1001, "Validation error: X-Api-Version must be 2.0");
    const auth = oauth.authenticate(bearer(req));
    if (!auth.ok) return tcError(401, 1000, "Invalid token");
    switch (path) {
      case "GET /verify_credentials": {
        const body: TwitCastingVerifyCredentials = {
          app: { client_id: oauth.dialect.clientId, name: "Prism", owner_user_id: "1" },
          user: { id: auth.user.id, screen_id: auth.user.login, name: auth.user.displayName, image: "", profile: "", level: 24, last_movie_id: null, is_live: false, created: 1_300_000_000 },
          supporter_count: 0,
          supporting_count: 0,
        };
        return { status: 200, body };
      }
      case "GET /rtmp_url": {
        const body: TwitCastingRtmpUrl = rtmp.enabled ? { enabled: true, url: rtmp.url, stream_key: rtmp.streamKey } : { enabled: false, url: null, stream_key: null };
        return { status: 200, body };
      }
      default:
        return chat.handle(req, auth.user) ?? tcError(404, 404, `Not Found: ${path}`);
    }
  });
  return {
    ...server,
    oauth,
    rtmp,
    chat,
    env: () => ({
      PRISM_TWITCASTING_CLIENT_ID: oauth.dialect.clientId,
      PRISM_TWITCASTING_CLIENT_SECRET: oauth.dialect.clientSecret,
      PRISM_TWITCASTING_AUTH_URL: server.url,
      PRISM_TWITCASTING_API_URL: server.url,
    }),
  };
}
