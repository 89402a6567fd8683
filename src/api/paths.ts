/** Every API route lives under this prefix. */
export const API_PREFIX = "/api/v1";

/** The OpenAPI document: public, so tools can read what the API offers before they have a token. */
export const OPENAPI_PATH = `${API_PREFIX}/openapi.json`;

/**
 * Action endpoints (webhooks, issue #7) carry their own token in the URL and check it themselves;
 * the Bearer-token middleware lets them through untouched.
 */
export const ACTIONS_PREFIX = `${API_PREFIX}/actions`;

export const isUnder = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/**
 * The OAuth redirect URI of each linkable platform. The browser comes back here from the platform
 * without the API token; the one-time `state` authenticates it, so the Bearer middleware lets
 * exactly this GET path through (and nothing under it).
 */
export const oauthCallbackPath = (platform: string) => `${API_PREFIX}/oauth/${platform}/callback`;
const OAUTH_CALLBACK = /^\/api\/v1\/oauth\/[a-z]+\/callback$/;
export const isOAuthCallback = (path: string) => OAUTH_CALLBACK.test(path);
/** The same path as the OpenAPI document writes it. */
export const OAUTH_CALLBACK_DOC_PATH = oauthCallbackPath("{platform}");
