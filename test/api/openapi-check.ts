import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { expect } from "vitest";

type Json = Record<string, any>;

/** Schema keywords whose value is data, not a schema. */
const VALUES = new Set(["example", "examples", "enum", "const", "default"]);

export const HTTP_METHODS = ["get", "put", "post", "delete", "patch", "head", "options"] as const;

/**
 * Webhooks, the event log, action tokens and action URLs (issue #7), as the document writes their
 * paths: their real answers are checked by test/api/openapi-automation.test.ts, which also fails
 * when one of them is left unexercised.
 */
export const AUTOMATION_PATHS = /^\/api\/v1\/(webhooks|events|actions)(\/|$)|\/action-tokens(\/|$)/;

/** Recordings, clips and markers (issue #16): their real answers are checked by test/recordings/api-answers.test.ts. */
export const RECORDINGS_PATHS = /^\/api\/v1\/(recordings|clips)\/|^\/api\/v1\/streams\/\{id\}\/(recordings|clips|markers)$/;

/**
 * Scheduled events and their action URLs (issue #18): real answers checked by
 * test/schedule/openapi-schedule.test.ts, which fails when one of them is left unexercised.
 */
export const SCHEDULE_PATHS = /^\/api\/v1\/(streams\/\{id\}\/events|events\/\{eventId\}|actions\/\{actionToken\}\/(start|cancel)-event)$/;

/**
 * Checks real API answers against the OpenAPI document Prism serves: the status must be one the
 * operation documents, and the body must validate against the schema documented for it.
 */
export class OpenApiChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly templates: Array<{ path: string; pattern: RegExp; params: number }>;
  /** "get /api/v1/streams/{id}" → statuses seen. */
  readonly exercised = new Map<string, Set<string>>();

  /**
   * `strict`: a body may not carry properties its schema does not list (unless the schema says it
   * may), so a field added to an answer but not to the document fails too.
   */
  constructor(
    readonly doc: Json,
    private readonly options: { strict?: boolean } = {},
  ) {
    this.ajv.addSchema({ $id: "https://prism.invalid/doc.json", components: this.prepare(doc.components, true) });
    this.templates = Object.keys(doc.paths)
      .map((path) => ({
        path,
        pattern: new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`),
        params: (path.match(/\{/g) ?? []).length,
      }))
      // A static segment beats a parameter: /tokens/admin/rotate before /tokens/{tokenId}.
      .sort((a, b) => a.params - b.params);
  }

  operation(method: string, path: string): { key: string; op: Json } | undefined {
    const pathname = path.split("?")[0]!;
    for (const t of this.templates) {
      const op = this.doc.paths[t.path][method.toLowerCase()];
      if (op && t.pattern.test(pathname)) return { key: `${method.toLowerCase()} ${t.path}`, op };
    }
    return undefined;
  }

  /** A validator for a schema of the document (its $refs point into the document's components). */
  validator(schema: Json): ValidateFunction {
    const text = JSON.stringify(schema).replaceAll('"$ref":"#/components/', '"$ref":"doc.json#/components/');
    let fn = this.compiled.get(text);
    if (!fn) {
      fn = this.ajv.compile({ ...this.prepare(JSON.parse(text)), $id: `https://prism.invalid/schema-${this.compiled.size}.json` });
      this.compiled.set(text, fn);
    }
    return fn;
  }

  /**
   * In strict mode, every object schema that lists properties (or combines schemas with allOf) gets
   * `unevaluatedProperties: false`. A component used as a part of an allOf is referenced in an open
   * copy (`<name>__open`) there, since the whole, not the part, knows every property.
   */
  private prepare<T>(schema: T, components = false): T {
    if (!this.options.strict) return schema;
    const walk = (node: unknown, open: boolean): unknown => {
      if (Array.isArray(node)) return node.map((n) => walk(n, false));
      if (!node || typeof node !== "object") return node;
      const out: Json = {};
      for (const [k, v] of Object.entries(node)) {
        if (VALUES.has(k)) out[k] = v;
        else if (k === "allOf") out[k] = (v as Json[]).map((n) => (typeof n.$ref === "string" ? { ...n, $ref: `${n.$ref}__open` } : walk(n, true)));
        else if (k === "properties" || k === "$defs" || k === "patternProperties") out[k] = Object.fromEntries(Object.entries(v as Json).map(([name, p]) => [name, walk(p, false)]));
        else out[k] = walk(v, false);
      }
      const closed = out.additionalProperties !== undefined || out.unevaluatedProperties !== undefined;
      if (!open && !closed && (out.properties || out.allOf)) out.unevaluatedProperties = false;
      return out;
    };
    if (!components) return walk(schema, false) as T;
    const all = schema as Json;
    const schemas: Json = {};
    for (const [name, s] of Object.entries<Json>(all.schemas ?? {})) {
      schemas[name] = walk(s, false);
      schemas[`${name}__open`] = walk(s, true);
    }
    return { ...all, schemas } as T;
  }

  check(method: string, path: string, res: { status: number; text: string; headers: Headers }): void {
    const found = this.operation(method, path);
    expect(found, `${method} ${path} is not in the OpenAPI document`).toBeDefined();
    const { key, op } = found!;
    const status = String(res.status);
    const documented = op.responses[status] ?? op.responses.default;
    expect(documented, `${key} answered ${status}, which the document does not list (it lists ${Object.keys(op.responses).join(", ")}): ${res.text.slice(0, 300)}`).toBeDefined();
    if (!this.exercised.has(key)) this.exercised.set(key, new Set());
    this.exercised.get(key)!.add(status);
    if (!documented.content) {
      expect(res.text, `${key} ${status} is documented without a body`).toBe("");
      return;
    }
    const type = (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
    const media = documented.content[type];
    expect(media, `${key} ${status} answered ${type}; documented: ${Object.keys(documented.content).join(", ")}`).toBeDefined();
    const body = type === "application/json" ? JSON.parse(res.text) : res.text;
    const validate = this.validator(media.schema ?? {});
    expect(validate(body), `${key} ${status} does not match its schema: ${this.ajv.errorsText(validate.errors)}\n${res.text.slice(0, 500)}`).toBe(true);
  }
}

/** The schema a $ref points at, or the schema itself. */
export function resolveRef(doc: Json, schema: Json | undefined): Json | undefined {
  if (!schema?.$ref) return schema;
  return doc.components.schemas[String(schema.$ref).split("/").pop()!];
}

/** Whether a schema shows a reader what a value looks like: its own example, its items', or every property's. */
export function hasExample(doc: Json, schema: Json | undefined, depth = 0): boolean {
  const s = resolveRef(doc, schema);
  if (!s || depth > 8) return false;
  if (s.example !== undefined || (Array.isArray(s.examples) && s.examples.length > 0)) return true;
  if (s.type === "array") return hasExample(doc, s.items, depth + 1);
  if (s.properties) return Object.values<Json>(s.properties).every((p) => hasExample(doc, p, depth + 1));
  return false;
}
