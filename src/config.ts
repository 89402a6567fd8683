import { z } from "zod";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const port = (name: string, fallback: number) =>
  z.coerce
    .number({ error: `${name} must be a port number` })
    .int(`${name} must be a whole number`)
    .min(0, `${name} must be between 0 and 65535`)
    .max(65535, `${name} must be between 0 and 65535`)
    .default(fallback);

const positive = (name: string, fallback: number) =>
  z.coerce.number({ error: `${name} must be a number` }).positive(`${name} must be greater than 0`).default(fallback);

const optionalSecret = (name: string) =>
  z
    .string()
    .min(16, `${name} must be at least 16 characters long`)
    .optional()
    .or(z.literal("").transform(() => undefined));

/** Every setting, read from the environment once at start; the names are what `prism start --help` lists. */
const EnvSchema = z.object({
  PRISM_HOST: z.string().min(1).default("0.0.0.0").describe("Address the RTMP ingest and HTTP API listen on"),
  PRISM_RTMP_PORT: port("PRISM_RTMP_PORT", 1935).describe("RTMP ingest port (OBS publishes here)"),
  PRISM_HTTP_PORT: port("PRISM_HTTP_PORT", 8080).describe("HTTP port of the API and dashboard"),
  PRISM_DATA_DIR: z.string().min(1).default("./data").describe("Where the SQLite file and generated secrets live"),
  PRISM_PUBLIC_HOST: z.string().optional().describe("Host name OBS should use in the ingest URL (default: this machine's address)"),
  PRISM_API_TOKEN: optionalSecret("PRISM_API_TOKEN").describe("Admin API token (default: generated once into the data dir)"),
  PRISM_SECRET: optionalSecret("PRISM_SECRET").describe("Master key that encrypts stream keys and tokens at rest (default: generated once into the data dir)"),
  PRISM_LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info").describe("Log level"),
  PRISM_LOG_FORMAT: z.enum(["json", "pretty"]).optional().describe("Log format (default: pretty in a terminal, JSON otherwise)"),
  PRISM_OUTPUT_QUEUE_MB: positive("PRISM_OUTPUT_QUEUE_MB", 8).describe("Megabytes queued for a slow destination before it is cut and reconnected"),
  PRISM_OUTPUT_CONNECT_TIMEOUT_MS: positive("PRISM_OUTPUT_CONNECT_TIMEOUT_MS", 10_000).describe("How long a destination may take to accept the stream"),
  PRISM_TLS_CA_FILE: z.string().optional().describe("Extra CA certificate (PEM) trusted for rtmps:// destinations"),
});

export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  host: string;
  rtmpPort: number;
  httpPort: number;
  dataDir: string;
  publicHost: string | undefined;
  apiToken: string | undefined;
  secret: string | undefined;
  logLevel: Env["PRISM_LOG_LEVEL"];
  logFormat: "json" | "pretty" | undefined;
  output: { queueLimitBytes: number; connectTimeoutMs: number; tlsCa: string | undefined };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  const e = parsed.data;
  let tlsCa: string | undefined;
  if (e.PRISM_TLS_CA_FILE) {
    try {
      tlsCa = readFileSync(e.PRISM_TLS_CA_FILE, "utf8");
    } catch (err) {
      throw new ConfigError([`PRISM_TLS_CA_FILE: cannot read ${e.PRISM_TLS_CA_FILE} (${(err as Error).message})`]);
    }
  }
  return {
    host: e.PRISM_HOST,
    rtmpPort: e.PRISM_RTMP_PORT,
    httpPort: e.PRISM_HTTP_PORT,
    dataDir: resolve(e.PRISM_DATA_DIR),
    publicHost: e.PRISM_PUBLIC_HOST || undefined,
    apiToken: e.PRISM_API_TOKEN,
    secret: e.PRISM_SECRET,
    logLevel: e.PRISM_LOG_LEVEL,
    logFormat: e.PRISM_LOG_FORMAT,
    output: {
      queueLimitBytes: Math.round(e.PRISM_OUTPUT_QUEUE_MB * 1024 * 1024),
      connectTimeoutMs: e.PRISM_OUTPUT_CONNECT_TIMEOUT_MS,
      tlsCa,
    },
  };
}

/** One line per setting, for `--help`. */
export function describeSettings(): string {
  return Object.entries(EnvSchema.shape)
    .map(([name, schema]) => `  ${name.padEnd(32)} ${schema.description ?? ""}`)
    .join("\n");
}
