import pino, { type DestinationStream, type Logger } from "pino";
import type PinoPretty from "pino-pretty";
import { lazyModule } from "./core/lazy-module.js";

/** Pretty printing is for a person at a terminal: a service logging JSON never loads it. */
const pretty = lazyModule<typeof PinoPretty>(import.meta.url, "pino-pretty");

export type { Logger };

/** Field names whose values are secrets wherever they appear in a log object. */
const SECRET_FIELDS = ["streamKey", "token", "apiToken", "accessToken", "refreshToken", "secret", "authorization", "password"];

/** Prism's own secrets have recognisable prefixes; any that slips into a message string is masked. */
const PRISM_SECRET = /\b(live|prism)_[A-Za-z0-9_-]{16,}/g;

export function scrubSecrets(text: string): string {
  return text.replace(PRISM_SECRET, "$1_[redacted]");
}

/** A database driver's error carries the query's parameters (stream key hashes, encrypted secrets): never logged. */
const QUERY_PARAMS = /\nparams: [^\n]*/g;

/** pino's error serializer, without query parameters, and with the cause a wrapper (drizzle) hides in words. */
function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const out = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  delete out.params;
  for (const field of ["message", "stack"]) if (typeof out[field] === "string") out[field] = (out[field] as string).replace(QUERY_PARAMS, "\nparams: [not logged]");
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error && !("cause" in out && typeof out.cause === "object")) {
    out.cause = { type: cause.name, message: scrubSecrets(cause.message), ...codeOf(cause) };
  }
  return out;
}

function codeOf(err: Error): { code?: string } {
  const code = (err as Error & { code?: unknown }).code;
  return typeof code === "string" ? { code } : {};
}

export interface LogOptions {
  level: string;
  format?: "json" | "pretty" | undefined;
  /** Where lines go (tests capture them); default stdout. */
  destination?: DestinationStream;
}

export function createLogger(options: LogOptions): Logger {
  const format = options.format ?? (process.stdout.isTTY ? "pretty" : "json");
  const destination = options.destination ?? (format === "pretty" ? pretty()({ colorize: true, sync: true }) : pino.destination({ sync: false }));
  return pino(
    {
      level: options.level,
      base: { service: "prism" },
      serializers: { err: serializeError },
      redact: {
        paths: [...SECRET_FIELDS, ...SECRET_FIELDS.map((f) => `*.${f}`), "req.headers.authorization", "headers.authorization"],
        censor: "[redacted]",
      },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === "string" ? scrubSecrets(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}
