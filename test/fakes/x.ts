import type { AccessOAuth2TokenResult, UserV2Result } from "twitter-api-v2";
import { bearer, startFakeServer, type FakeAnswer, type FakeServer } from "./http.js";
import { OAuthServer, type FakeUser, type OAuthTokenResponse } from "./oauth-server.js";
import { XChatFake } from "./x-chat.js";

/** X API v2 problem body on a refused request (https://api.x.com/2/problems/…). */
interface XProblem {
  title: string;
  type: string;
  status: number;
  detail: string;
}

export interface XFake extends FakeServer {
  oauth: OAuthServer;
  /** Posts, replies and recent search (x-chat.ts). */
  chat: XChatFake;
  env(): Record<string, string>;
}

export const X_USER: FakeUser = { id: "1578438263413989376", login: "speedy_streams", displayName: "Speedy Streams" };

/**
 * X: OAuth 2.0 authorization code with PKCE S256 required, a confidential client authenticating with
 * HTTP Basic, access tokens of 2 h and refresh tokens (scope offline.access) that rotate on every
 * refresh; GET /2/users/me. Token answers are twitter-api-v2's AccessOAuth2TokenResult, users UserV2.
 */
export async function startXFake(options: { accessTtlSec?: number } = {}): Promise<XFake> {
  const oauth = new OAuthServer(
    {
      clientId: "M1M5R3BMVy13QmpScXkzTUt5OE46MTpjaQ",
      clientSecret: "x-client-secret-fake",
      clientAuth: "header",
      pkce: "required",
      accessTtlSec: options.accessTtlSec ?? 7200,
      refreshTokens: "rotate",
      scopeFormat: "string",
      tokenResponse: (t: OAuthTokenResponse): AccessOAuth2TokenResult => ({
        token_type: "bearer",
        expires_in: t.expires_in,
        access_token: t.access_token,
        scope: typeof t.scope === "string" ? t.scope : "",
        ...(t.refresh_token && { refresh_token: t.refresh_token }),
      }),
      tokenError: (kind, description) => ({
        status: kind === "invalid_client" ? 401 : 400,
        body: { error: kind === "invalid_grant" ? "invalid_request" : kind, error_description: kind === "invalid_grant" ? "Value passed for the token was invalid." : description },
      }),
    },
    X_USER,
  );
  const chat = new XChatFake();
  const server = await startFakeServer((req): FakeAnswer => {
    const path = `${req.method} ${req.url.pathname}`;
    switch (path) {
      case "GET /i/oauth2/authorize":
        return oauth.authorize(req);
      case "POST /2/oauth2/token":
        return oauth.token(req);
      case "POST /2/oauth2/revoke":
        return { ...oauth.revoke(req), body: { revoked: true } };
      case "GET /2/users/me": {
        const auth = oauth.authenticate(bearer(req));
        if (!auth.ok) return { status: 401, body: { title: "Unauthorized", type: "about:blank", status: 401, detail: "Unauthorized" } satisfies XProblem };
        const body: UserV2Result = { data: { id: auth.user.id, name: auth.user.displayName, username: auth.user.login } };
        return { status: 200, body };
      }
      default: {
        const auth = oauth.authenticate(bearer(req));
        if (!auth.ok && req.url.pathname.startsWith("/2/tweets")) return { status: 401, body: { title: "Unauthorized", type: "about:blank", status: 401, detail: "Unauthorized" } satisfies XProblem };
        const answer = auth.ok ? chat.handle(req, auth.user, auth.scopes) : undefined;
        return answer ?? { status: 404, body: { title: "Not Found Error", type: "https://api.twitter.com/2/problems/resource-not-found", status: 404, detail: `no route ${path}` } satisfies XProblem };
      }
    }
  });
  return {
    ...server,
    oauth,
    chat,
    env: () => ({ PRISM_X_CLIENT_ID: oauth.dialect.clientId, PRISM_X_CLIENT_SECRET: oauth.dialect.clientSecret, PRISM_X_AUTH_URL: server.url, PRISM_X_TOKEN_URL: server.url, PRISM_X_API_URL: server.url }),
  };
}
