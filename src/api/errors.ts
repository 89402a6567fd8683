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
