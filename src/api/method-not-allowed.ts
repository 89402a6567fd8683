import type { Hono } from "hono";

interface CompiledRoute {
  pattern: RegExp;
  method: string;
}

/** A hono route path (`/streams/:id`, `/files/*`, `:id{[0-9]+}`) as a regular expression. */
function compile(path: string): RegExp {
  const parts = path.split("/").map((segment) => {
    if (segment === "*") return ".*";
    const param = /^:\w+(\{(.+)\})?(\?)?$/.exec(segment);
    if (param) return `(?:${param[2] ?? "[^/]+"})${param[3] ? "?" : ""}`;
    return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  });
  return new RegExp(`^${parts.join("/")}/?$`);
}

/**
 * The methods a path answers to, read from the app's own routing table (so routes added by any
 * module count), for telling "no such path" (404) from "not with this method" (405 + Allow).
 */
export function allowedMethods(app: Hono<any>): (path: string) => string[] {
  let compiled: CompiledRoute[] = [];
  let seen = -1;
  return (path) => {
    if (app.routes.length !== seen) {
      seen = app.routes.length;
      // "ALL" entries are middleware (app.use), not routes.
      compiled = app.routes.filter((r) => r.method !== "ALL").map((r) => ({ pattern: compile(r.path), method: r.method.toUpperCase() }));
    }
    const methods = new Set(compiled.filter((r) => r.pattern.test(path)).map((r) => r.method));
    if (methods.has("GET")) methods.add("HEAD");
    return [...methods].sort();
  };
}
