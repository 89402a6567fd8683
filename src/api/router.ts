import { OpenAPIHono, type z } from "@hono/zod-openapi";
import { errorBody } from "./errors.js";

/** A router whose validation failures come out as the one error shape, naming each bad field. */
export function newRouter(): OpenAPIHono {
  return new OpenAPIHono({
    defaultHook: (result, c) => {
      if (result.success) return;
      const issues = result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
      const message = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
      return c.json(errorBody("validation_failed", message, { issues }), 400);
    },
  });
}

/** A JSON response for a route definition. */
export const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

/** A required JSON request body for a route definition. */
export const body = <T extends z.ZodType>(schema: T) => ({ body: { required: true, content: { "application/json": { schema } } } });
