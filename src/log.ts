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
