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
