import type { MiddlewareHandler } from "hono";
import { secretsEqual } from "../secrets/tokens.js";
import { errorBody } from "./errors.js";

/** `Authorization: Bearer <token>` against the admin token. */
export function requireToken(adminToken: string): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      c.header("WWW-Authenticate", 'Bearer realm="prism"');
      return c.json(errorBody("unauthorized", "Send the API token as 'Authorization: Bearer <token>'. Prism prints it at start."), 401);
    }
    if (!secretsEqual(match[1]!, adminToken)) {
      c.header("WWW-Authenticate", 'Bearer realm="prism", error="invalid_token"');
      return c.json(errorBody("unauthorized", "The API token is not valid."), 401);
    }
    await next();
  };
}
