import { z } from "@hono/zod-openapi";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "validation_failed" }),
      message: z.string().openapi({ example: "name: Required" }),
      details: z.unknown().optional(),
    }),
  })
  .openapi("Error");

export type ErrorBody = z.infer<typeof ErrorSchema>;

/** A failure the client can act on; thrown anywhere under a route, rendered as ErrorSchema. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

export const notFound = (what: string) => new ApiError(404, "not_found", `${what} not found.`);

const errorContent = { "application/json": { schema: ErrorSchema } };

/** The error responses every authenticated route can give, for the OpenAPI document. */
export const commonErrors = {
  400: { description: "Invalid input", content: errorContent },
  401: { description: "Missing or wrong API token", content: errorContent },
} as const;
export const notFoundError = { 404: { description: "Not found", content: errorContent } } as const;

/** SQLSTATE classes and codes that mean "the database cannot serve now", not "this request is wrong". */
const STORE_DOWN_SQLSTATE = /^(08...|57P0[123]|57014|53300|53200|53100)$/;
/** Socket errors meeting a database server that is down, restarting or unreachable. */
const STORE_DOWN_ERRNO = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE", "ENOTFOUND", "EAI_AGAIN"]);
/** What node-postgres says, without a code, when it loses or cannot open a connection, or times out. */
const STORE_DOWN_MESSAGE = /timeout exceeded when trying to connect|Connection terminated|not queryable|Query read timeout|connection timeout/i;

/** What made the store unreachable, in a few words, or undefined for any other error (a bug, a constraint). */
export function storeFailure(err: unknown, depth = 0): string | undefined {
  if (!err || typeof err !== "object" || depth > 5) return undefined;
  const { code, message, cause, errors } = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === "string" && STORE_DOWN_ERRNO.has(code)) return `connection ${code === "ECONNREFUSED" ? "refused" : code}`;
  if (typeof code === "string" && STORE_DOWN_SQLSTATE.test(code)) return code === "57014" ? "a query took too long and was cancelled" : `the server said: ${String(message)}`;
  if (typeof message === "string" && STORE_DOWN_MESSAGE.test(message) && !/SQLSTATE/.test(message)) return message;
  // drizzle wraps the driver's error as `cause`; a refused connect to several addresses is an AggregateError.
  for (const inner of [cause, ...(Array.isArray(errors) ? errors : [])]) {
    const found = storeFailure(inner, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** 503 store_unavailable for an error that means the database is down or overloaded; undefined otherwise. */
export function storeUnavailable(err: unknown): ApiError | undefined {
  const why = storeFailure(err);
  if (why === undefined) return undefined;
  return new ApiError(
    503,
    "store_unavailable",
    `Prism's database cannot be reached right now (${why}), so this request was not completed. Live streams keep flowing. Try again in a few seconds; if it lasts, check that PostgreSQL is running and reachable at PRISM_DATABASE_URL.`,
  );
}
