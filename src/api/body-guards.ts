import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { errorBody } from "./errors.js";

/** 413 in the one error shape, checked on the declared length and on the bytes actually read. */
export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) =>
      c.json(
        errorBody("payload_too_large", `The request body is larger than ${Math.round(maxBytes / 1024)} KiB; Prism's API takes small JSON documents only.`, {
          maxBytes,
        }),
        413,
        // The rest of the body is never read, so this connection cannot carry another request.
        { Connection: "close" },
      ),
  });
}

const WITH_BODY = new Set(["POST", "PUT", "PATCH"]);
const JSON_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

/**
 * 415 for a body that is not JSON, before any route reads it. Requests without a body (e.g.
 * POST /streams/:id/rotate-key) pass whatever their Content-Type says.
 */
export function requireJsonBody(): MiddlewareHandler {
  return async (c, next) => {
    if (WITH_BODY.has(c.req.method)) {
      const length = c.req.header("content-length");
      const hasBody = (length !== undefined && length !== "0") || c.req.header("transfer-encoding") !== undefined;
      const type = c.req.header("content-type") ?? "";
      if (hasBody && !JSON_TYPE.test(type)) {
        return c.json(
          errorBody(
            "unsupported_media_type",
            `Send the request body as JSON with the header 'Content-Type: application/json'${type ? ` (got '${type.slice(0, 100)}')` : ""}.`,
          ),
          415,
        );
      }
    }
    await next();
  };
}
