import { z } from "zod";
import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { resolve } from "node:path";
import { positive } from "./core/setting-schemas.js";
import { platforms } from "./destinations/registry.js";
import { envPrefix, type PlatformConfig, type PlatformSettings } from "./destinations/platform-config.js";
import type { PlatformAdapter } from "./destinations/types.js";
import { parseAddressPolicy, type AddressPolicy } from "./net/address-policy.js";
import { parseNatsUrl } from "./cluster/nats-url.js";

const port = (name: string, fallback: number) =>
  z.coerce
    .number({ error: `${name} must be a port number` })
    .int(`${name} must be a whole number`)
    .min(0, `${name} must be between 0 and 65535`)
    .max(65535, `${name} must be between 0 and 65535`)
    .default(fallback);


const optionalSecret = (name: string) =>
  z
    .string()
    .min(16, `${name} must be at least 16 characters long`)
    .optional()
    .or(z.literal("").transform(() => undefined));

/**
 * PRISM_DATABASE_URL (issue #21): a PostgreSQL URL, or nothing for the SQLite file in the data dir. The message
 * never repeats the value, which usually holds a password.
 */
const databaseUrl = z
  .string()
  .optional()
  .transform((value) => (value?.trim() ? value.trim() : undefined))
  .refine((value) => value === undefined || isPostgresUrl(value), {
    message:
      "PRISM_DATABASE_URL must be a PostgreSQL URL such as postgres://prism:password@db.example.com:5432/prism (postgres:// or postgresql://); leave it unset to keep the SQLite file in PRISM_DATA_DIR",
  });

function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "postgres:" || url.protocol === "postgresql:") && url.hostname !== "";
  } catch {
    return false;
  }
}

/** Public addresses and the private ranges (a LAN encoder or recorder); loopback, link-local and the rest need saying. */
export const DEFAULT_DESTINATION_ALLOW = "public,private";

/** Names a node in NATS subjects and in GET /api/v1/cluster. */
const NODE_ID = /^[a-z0-9-]{1,63}$/;

/** The cluster's settings (issue #21); PRISM_NATS_URL turns it on. */
const clusterEnv = {
  PRISM_NATS_URL: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      if (!value) return;
      try {
        parseNatsUrl(value);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
      }
    })
    .describe("NATS server(s) of a cluster: nats://host:4222 or tls://host:4222, comma-separated; needs PRISM_DATABASE_URL (default: a single node)"),
  PRISM_NODE_ID: z
    .string()
    .regex(NODE_ID, 'PRISM_NODE_ID must be 1-63 lowercase letters, digits or "-" (it names this node in the cluster)')
    .optional()
    .describe("This node's name in a cluster, unique per node (default: <host name>-<HTTP port>)"),
  PRISM_CLUSTER_LEASE_MS: z.coerce
    .number({ error: "PRISM_CLUSTER_LEASE_MS must be a number" })
    .int("PRISM_CLUSTER_LEASE_MS must be a whole number of milliseconds")
    .min(1_000, "PRISM_CLUSTER_LEASE_MS must be at least 1000: it is renewed every third of it, and a busy node needs that much room")
    .max(60_000, "PRISM_CLUSTER_LEASE_MS must be at most 60000: a dead node's streams wait that long before another node takes them over")
    .default(6_000)
    .describe("A live stream's owner renews its lease within this time; when it dies, another node takes the stream over after it (the same on every node)"),
  PRISM_DRAIN_SECONDS: z.coerce
    .number({ error: "PRISM_DRAIN_SECONDS must be a number" })
    .int("PRISM_DRAIN_SECONDS must be a whole number of seconds")
    .min(0, "PRISM_DRAIN_SECONDS must be 0 (stop at once) or more")
    .max(3_600, "PRISM_DRAIN_SECONDS must be at most 3600 (an hour)")
    .default(25)
    .describe("On SIGTERM in a cluster, how long a node refuses new publishers and waits for its streams to end or move (keep it below your orchestrator's grace period)"),
};

/** Every setting, read from the environment once at start; the names are what `prism start --help` lists. */
const EnvSchema = z.object({
  PRISM_HOST: z.string().min(1).default("0.0.0.0").describe("Address the RTMP ingest and HTTP API listen on"),
  PRISM_RTMP_PORT: port("PRISM_RTMP_PORT", 1935).describe("RTMP ingest port (OBS publishes here)"),
  PRISM_HTTP_PORT: port("PRISM_HTTP_PORT", 8080).describe("HTTP port of the API and dashboard"),
  PRISM_DATA_DIR: z.string().min(1).default("./data").describe("Where the SQLite file and generated secrets live"),
  PRISM_DATABASE_URL: databaseUrl.describe("PostgreSQL to keep everything in (postgres://user:password@host:5432/db); default: the SQLite file in PRISM_DATA_DIR"),
  PRISM_PUBLIC_HOST: z.string().optional().describe("Host name OBS should use in the ingest URL (default: this machine's address)"),
  PRISM_API_TOKEN: optionalSecret("PRISM_API_TOKEN").describe("Admin API token (default: generated once into the data dir)"),
  PRISM_SECRET: optionalSecret("PRISM_SECRET").describe("Master key that encrypts stream keys and tokens at rest (default: generated once into the data dir)"),
  PRISM_LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info").describe("Log level"),
  PRISM_LOG_FORMAT: z.enum(["json", "pretty"]).optional().describe("Log format (default: pretty in a terminal, JSON otherwise)"),
  PRISM_OUTPUT_QUEUE_MB: positive("PRISM_OUTPUT_QUEUE_MB", 8).describe("Megabytes queued for a slow destination before it is cut and reconnected"),
  PRISM_OUTPUT_CONNECT_TIMEOUT_MS: positive("PRISM_OUTPUT_CONNECT_TIMEOUT_MS", 10_000).describe("How long a destination may take to accept the stream"),
  PRISM_DESTINATION_ALLOW: z
    .string()
    .default(DEFAULT_DESTINATION_ALLOW)
    .describe("Addresses destinations may connect to: comma list of public, private, loopback, link-local and CIDRs (default: public,private)"),
  PRISM_TLS_CA_FILE: z.string().optional().describe("Extra CA certificate (PEM) trusted for rtmps:// destinations"),
  PRISM_RTMPS_PORT: z.coerce
    .number({ error: "PRISM_RTMPS_PORT must be a port number" })
    .int()
    .min(0)
    .max(65535)
    .optional()
    .describe("Also accept publishes over RTMPS on this port (needs the two files below)"),
  PRISM_INGEST_HANDSHAKE_TIMEOUT_MS: positive("PRISM_INGEST_HANDSHAKE_TIMEOUT_MS", 10_000).describe("A connection to the ingest must be publishing within this time"),
  PRISM_INGEST_FAILED_PUBLISHES_PER_MINUTE: z.coerce
    .number({ error: "PRISM_INGEST_FAILED_PUBLISHES_PER_MINUTE must be a number" })
    .int()
    .min(0)
    .default(20)
    .describe("Wrong-key publishes one address may make per minute before it is blocked"),
  PRISM_INGEST_BLOCK_SECONDS: positive("PRISM_INGEST_BLOCK_SECONDS", 60).describe("How long such an address is blocked"),
  PRISM_INGEST_STALL_MS: positive("PRISM_INGEST_STALL_MS", 2_000).describe(
    "A publisher still connected but sending no video (audio, for an audio-only stream) for this long counts as lost: its destinations go to the slate",
  ),
  PRISM_INGEST_MAX_PENDING_BYTES: z.coerce
    .number({ error: "PRISM_INGEST_MAX_PENDING_BYTES must be a number" })
    .int("PRISM_INGEST_MAX_PENDING_BYTES must be a whole number")
    .min(65_536, "PRISM_INGEST_MAX_PENDING_BYTES must be at least 65536")
    .max(0xffffff, "PRISM_INGEST_MAX_PENDING_BYTES must be at most 16777215 (RTMP's largest message)")
    .default(4 * 1024 * 1024)
    .describe("Bytes of unfinished RTMP messages one ingest connection may hold (also the largest message); more closes it"),
  PRISM_INGEST_MAX_CHUNK_STREAMS: z.coerce
    .number({ error: "PRISM_INGEST_MAX_CHUNK_STREAMS must be a number" })
    .int("PRISM_INGEST_MAX_CHUNK_STREAMS must be a whole number")
    .min(8, "PRISM_INGEST_MAX_CHUNK_STREAMS must be at least 8")
    .max(65_599, "PRISM_INGEST_MAX_CHUNK_STREAMS must be at most 65599")
    .default(32)
    .describe("RTMP chunk streams one ingest connection may use (encoders use a handful); more closes it"),
  PRISM_INGEST_PRIMARY_STEADY_SEC: positive("PRISM_INGEST_PRIMARY_STEADY_SEC", 10).describe(
    "While the backup encoder is on air, the primary must publish this long without dropping or stalling before Prism switches back to it (a flapping primary causes no switch storm)",
  ),
  PRISM_RTMPS_CERT_FILE: z.string().optional().describe("Certificate chain (PEM) of the RTMPS ingest"),
  PRISM_RTMPS_KEY_FILE: z.string().optional().describe("Private key (PEM) of the RTMPS ingest"),
  PRISM_WEBHOOK_ALLOW_PRIVATE: z
    .stringbool({ error: "PRISM_WEBHOOK_ALLOW_PRIVATE must be true or false" })
    .default(false)
    .describe("Allow webhooks to loopback, private and link-local addresses (refused by default)"),
  PRISM_WEBHOOK_CONCURRENCY: positive("PRISM_WEBHOOK_CONCURRENCY", 8).describe("Webhook deliveries in flight at once"),
  PRISM_WEBHOOK_TIMEOUT_MS: positive("PRISM_WEBHOOK_TIMEOUT_MS", 10_000).describe("How long one webhook request may take before it counts as failed"),
  PRISM_WEBHOOK_RETRY_INITIAL_MS: positive("PRISM_WEBHOOK_RETRY_INITIAL_MS", 5_000).describe("First webhook retry delay; doubles on each failure"),
  PRISM_WEBHOOK_RETRY_MAX_MS: positive("PRISM_WEBHOOK_RETRY_MAX_MS", 3_600_000).describe("Longest delay between two webhook retries"),
  PRISM_WEBHOOK_RETRY_FOR_MS: positive("PRISM_WEBHOOK_RETRY_FOR_MS", 86_400_000).describe("How long a webhook is retried before it is dead-lettered"),
  PRISM_IFTTT_BASE_URL: z.url({ error: "PRISM_IFTTT_BASE_URL must be a URL" }).default("https://maker.ifttt.com").describe("Base URL of IFTTT Webhooks (…/trigger/<event>/with/key/<key>)"),
  PRISM_DESTINATION_FAILED_AFTER_MS: positive("PRISM_DESTINATION_FAILED_AFTER_MS", 30_000).describe("How long a destination may keep reconnecting before destination.failed is sent"),
  PRISM_EVENT_STARTING_SOON_MIN: positive("PRISM_EVENT_STARTING_SOON_MIN", 15).describe("Minutes before a scheduled event's start that event.starting_soon is sent"),
  PRISM_EVENT_MISSED_GRACE_SEC: positive("PRISM_EVENT_MISSED_GRACE_SEC", 600).describe(
    "Seconds a scheduled live event waits for its publisher after its start before event.missed is sent",
  ),
  PRISM_EVENTS_RETENTION_DAYS: positive("PRISM_EVENTS_RETENTION_DAYS", 30).describe("Days the event log and webhook delivery log are kept"),
  PRISM_EVENTS_MAX: positive("PRISM_EVENTS_MAX", 10_000).describe("Most events kept in the event log"),
  PRISM_API_RATE_LIMIT: z.coerce
    .number({ error: "PRISM_API_RATE_LIMIT must be a number" })
    .int("PRISM_API_RATE_LIMIT must be a whole number")
    .min(0, "PRISM_API_RATE_LIMIT must be 0 (no limit) or more")
    .default(6000)
    .describe("API requests per token per minute before 429 (0: no limit)"),
  PRISM_CHAT_REORDER_MS: z.coerce
    .number({ error: "PRISM_CHAT_REORDER_MS must be a number" })
    .int("PRISM_CHAT_REORDER_MS must be a whole number of milliseconds")
    .min(0, "PRISM_CHAT_REORDER_MS must be 0 (no reordering) or more")
    .max(10_000, "PRISM_CHAT_REORDER_MS must be at most 10000 (10 s): the feed would no longer feel live")
    .default(1_000)
    .describe("The longest the merged chat holds a message for a platform that could still hand over one sent before it (0: arrival order)"),
  PRISM_SESSION_BUCKET_SEC: z.coerce
    .number({ error: "PRISM_SESSION_BUCKET_SEC must be a number" })
    .int("PRISM_SESSION_BUCKET_SEC must be a whole number of seconds")
    .min(1, "PRISM_SESSION_BUCKET_SEC must be at least 1")
    .max(3600, "PRISM_SESSION_BUCKET_SEC must be at most 3600 (an hour)")
    .default(60)
    .describe("Length of a bucket of a broadcast session's series, in seconds (kept for PRISM_EVENTS_RETENTION_DAYS)"),
  PRISM_API_MAX_BODY_KB: positive("PRISM_API_MAX_BODY_KB", 1024).describe("Largest API request body, in KiB (413 above)"),
  PRISM_MEDIA_DIR: z.string().min(1).optional().describe("Where uploaded video files are kept (default: <data dir>/media)"),
  PRISM_MEDIA_MAX_MB: positive("PRISM_MEDIA_MAX_MB", 1024).describe("Largest video file POST /media accepts, in MB (413 above)"),
  PRISM_METRICS_PUBLIC: z
    .stringbool({ error: "PRISM_METRICS_PUBLIC must be true or false" })
    .default(false)
    .describe("Serve /metrics without a token (default: a token with the read scope is needed)"),
  PRISM_PUBLIC_URL: z
    .url({ error: "PRISM_PUBLIC_URL must be a URL like https://prism.example.com" })
    .optional()
    .describe("Base URL browsers reach Prism at; OAuth redirect URIs are <this>/api/v1/oauth/<platform>/callback (default: http://<public host>:<http port>)"),
  PRISM_OAUTH_STATE_TTL_SECONDS: positive("PRISM_OAUTH_STATE_TTL_SECONDS", 600).describe("How long an account-linking link stays valid"),
  PRISM_OAUTH_REFRESH_MARGIN_SECONDS: z.coerce
    .number({ error: "PRISM_OAUTH_REFRESH_MARGIN_SECONDS must be a number" })
    .min(0, "PRISM_OAUTH_REFRESH_MARGIN_SECONDS must be 0 or more")
    .default(300)
    .describe("Refresh a linked account's access token when it expires within this many seconds"),
  PRISM_OAUTH_REFRESH_CHECK_SECONDS: positive("PRISM_OAUTH_REFRESH_CHECK_SECONDS", 60).describe("How often linked accounts are checked for tokens about to expire"),
  PRISM_RECORDINGS_DIR: z.string().optional().describe("Where recordings and clips are written (default: <data dir>/recordings)"),
  PRISM_RECORDINGS_MIN_FREE_MB: z.coerce
    .number({ error: "PRISM_RECORDINGS_MIN_FREE_MB must be a number" })
    .min(0, "PRISM_RECORDINGS_MIN_FREE_MB must be 0 or more")
    .default(1024)
    .describe("Recording pauses (relaying goes on) while the recordings disk has less free space than this, in MiB"),
  PRISM_RECORDINGS_RETAIN_DAYS: z.coerce
    .number({ error: "PRISM_RECORDINGS_RETAIN_DAYS must be a number" })
    .positive("PRISM_RECORDINGS_RETAIN_DAYS must be greater than 0")
    .optional()
    .describe("Delete recordings (with their clips) older than this many days, every stream (default: keep)"),
  PRISM_RECORDINGS_MAX_GB: z.coerce
    .number({ error: "PRISM_RECORDINGS_MAX_GB must be a number" })
    .positive("PRISM_RECORDINGS_MAX_GB must be greater than 0")
    .optional()
    .describe("Keep all recordings and clips together under this many GB, deleting the oldest recordings first (default: no limit)"),
  PRISM_RECORDINGS_QUEUE_MB: positive("PRISM_RECORDINGS_QUEUE_MB", 32).describe("Megabytes a recording may queue for a slow disk before it drops frames (to its next keyframe)"),
  PRISM_PLATFORM_API_TIMEOUT_MS: positive("PRISM_PLATFORM_API_TIMEOUT_MS", 10_000).describe("How long one call to a platform's API may take"),
  ...clusterEnv,
});

export type Env = z.infer<typeof EnvSchema>;

/** The platforms that declare settings (their folder's config.ts), with the name their settings' descriptions use. */
const configured = Object.values(platforms as Record<string, PlatformAdapter>).flatMap((p) => (p.config ? [{ id: p.id, name: p.name ?? p.displayName, config: p.config }] : []));

/**
 * One platform's settings: the common part derived from its id (PRISM_<ID>_CLIENT_ID, _CLIENT_SECRET,
 * _AUTH_URL, _TOKEN_URL, _API_URL) and its own, which must carry its prefix.
 */
function platformEnv({ id, name, config }: (typeof configured)[number]): z.ZodRawShape {
  const prefix = envPrefix(id);
  const stray = Object.keys(config.env).filter((key) => !key.startsWith(prefix));
  if (stray.length > 0) throw new Error(`${id}'s own settings must be named ${prefix}…, not ${stray.join(", ")}`);
  const url = (suffix: string, fallback: string, what: string) =>
    z.url({ error: `${prefix}${suffix} must be a URL` }).default(fallback).describe(`${name} ${what} base URL`);
  return {
    [`${prefix}CLIENT_ID`]: z.string().optional().describe(`${name} OAuth client id (needed to link ${name} accounts)`),
    [`${prefix}CLIENT_SECRET`]: z.string().optional().describe(`${name} OAuth client secret`),
    [`${prefix}AUTH_URL`]: url("AUTH_URL", config.urls.auth, "sign-in (authorize)"),
    [`${prefix}TOKEN_URL`]: z
      .url({ error: `${prefix}TOKEN_URL must be a URL` })
      .optional()
      .describe(`${name} token base URL (default: ${config.urls.token ?? `the ${name} sign-in base URL`})`),
    [`${prefix}API_URL`]: url("API_URL", config.urls.api, "API"),
    ...config.env,
  };
}

const PlatformEnvSchema = z.object(Object.assign({}, ...configured.map(platformEnv)) as z.ZodRawShape);
const settingShapes = (): Array<[string, z.ZodType]> => [...Object.entries(EnvSchema.shape), ...(Object.entries(PlatformEnvSchema.shape) as Array<[string, z.ZodType]>)];

export interface Config {
  host: string;
  rtmpPort: number;
  httpPort: number;
  dataDir: string;
  /** PostgreSQL's URL (postgres:// or postgresql://); undefined: the SQLite file in dataDir. Holds a password: never log it. */
  databaseUrl: string | undefined;
  publicHost: string | undefined;
  apiToken: string | undefined;
  secret: string | undefined;
  logLevel: Env["PRISM_LOG_LEVEL"];
  logFormat: "json" | "pretty" | undefined;
  output: { queueLimitBytes: number; connectTimeoutMs: number; tlsCa: string | undefined; addressPolicy: AddressPolicy };
  /** The optional RTMPS listener of the ingest. */
  rtmps: { port: number; cert: string; key: string } | undefined;
  ingest: { handshakeTimeoutMs: number; failedPublishesPerMinute: number; blockSeconds: number; stallMs: number; primarySteadyMs: number; maxPendingBytes: number; maxChunkStreams: number };
  webhooks: WebhookSettings;
  api: { rateLimitPerMinute: number; maxBodyBytes: number; metricsPublic: boolean };
  /** Uploaded videos played as live (issue #18). */
  media: { dir: string; maxBytes: number };
  accounts: AccountSettings;
  chat: { reorderWindowMs: number };
  recordings: RecordingsSettings;
  /** Broadcast sessions' series (issue #17). */
  sessions: { bucketMs: number };
  /** Scheduled events (issue #18): when starting_soon goes out, how long a live event waits for its publisher. */
  schedule: { startingSoonLeadMs: number; missedGraceMs: number };
  /** The cluster (issue #21): set when PRISM_NATS_URL is. */
  cluster: ClusterSettings | undefined;
  /** The prism.config.json that was read, if any. */
  configFile: string | undefined;
}

export interface ClusterSettings {
  natsUrl: string;
  nodeId: string;
  leaseMs: number;
  drainSeconds: number;
}

export interface RecordingsSettings {
  dir: string;
  minFreeBytes: number;
  /** Global retention, over every stream's recordings together; null: none. */
  retainDays: number | null;
  maxBytes: number | null;
  queueLimitBytes: number;
}

export interface AccountSettings {
  /** Base URL of the OAuth redirect URIs; undefined: the API's own address. */
  publicUrl: string | undefined;
  stateTtlMs: number;
  refreshMarginMs: number;
  refreshCheckMs: number;
  apiTimeoutMs: number;
  /** Each platform that declares a config (its folder's config.ts), by platform id. */
  platforms: Record<string, PlatformSettings>;
}

export interface WebhookSettings {
  allowPrivate: boolean;
  concurrency: number;
  timeoutMs: number;
  retry: { initialMs: number; maxMs: number; forMs: number };
  iftttBaseUrl: string;
  destinationFailedAfterMs: number;
  eventRetentionMs: number;
  maxEvents: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** The key a setting has in prism.config.json: PRISM_RTMP_PORT → rtmpPort. */
export function fileKey(envName: string): string {
  return envName
    .replace(/^PRISM_/, "")
    .toLowerCase()
    .replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

const FILE_KEYS = new Map(settingShapes().map(([name]) => [fileKey(name), name]));
export const DEFAULT_CONFIG_FILE = "prism.config.json";

/**
 * prism.config.json as environment-shaped values. Its keys are the settings' names in camelCase
 * (`rtmpPort`, `dataDir`, …); anything unknown or of the wrong kind is refused, not ignored.
 */
function readConfigFile(path: string): { values: Record<string, string>; problems: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConfigError([`${path}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : `not valid JSON (${(err as Error).message})`}`]);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ConfigError([`${path}: must be a JSON object of settings, e.g. { "rtmpPort": 1935 }`]);
  const problems: string[] = [];
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    const name = FILE_KEYS.get(key);
    if (!name) problems.push(`${key} in ${path}: unknown setting; known: ${[...FILE_KEYS.keys()].join(", ")}`);
    else if (!["string", "number", "boolean"].includes(typeof value)) problems.push(`${key} in ${path}: must be a string, number or boolean`);
    else values[name] = String(value);
  }
  return { values, problems };
}

/**
 * Settings from the environment and, optionally, a prism.config.json (`--config`, PRISM_CONFIG, or
 * one in the working directory). The environment wins over the file. Every wrong value is reported
 * at once, named the way the person set it.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: { file?: string } = {}): Config {
  const explicit = options.file ?? (env.PRISM_CONFIG || undefined);
  const configFile = explicit ? resolve(explicit) : existsSync(DEFAULT_CONFIG_FILE) ? resolve(DEFAULT_CONFIG_FILE) : undefined;
  const { values: fromFile, problems } = configFile ? readConfigFile(configFile) : { values: {}, problems: [] };
  const parsed = EnvSchema.safeParse({ ...fromFile, ...env });
  const platformParsed = PlatformEnvSchema.safeParse({ ...fromFile, ...env });
  if (!parsed.success || !platformParsed.success || problems.length > 0) {
    throw new ConfigError([
      ...problems,
      ...[...(parsed.error?.issues ?? []), ...(platformParsed.error?.issues ?? [])].map((i) => {
        const name = String(i.path[0] ?? "");
        const where = name in fromFile && env[name] === undefined ? `${fileKey(name)} in ${configFile}` : i.path.join(".");
        return `${where}: ${i.message}`;
      }),
    ]);
  }
  const e = parsed.data;
  const p = platformParsed.data as Record<string, unknown>;
  let tlsCa: string | undefined;
  if (e.PRISM_TLS_CA_FILE) {
    try {
      tlsCa = readFileSync(e.PRISM_TLS_CA_FILE, "utf8");
    } catch (err) {
      throw new ConfigError([`PRISM_TLS_CA_FILE: cannot read ${e.PRISM_TLS_CA_FILE} (${(err as Error).message})`]);
    }
  }
  const cluster = loadClusterSettings(e, { ...fromFile, ...env });
  let addressPolicy: AddressPolicy;
  try {
    addressPolicy = parseAddressPolicy(e.PRISM_DESTINATION_ALLOW, "PRISM_DESTINATION_ALLOW");
  } catch (err) {
    throw new ConfigError([(err as Error).message]);
  }
  return {
    host: e.PRISM_HOST,
    rtmpPort: e.PRISM_RTMP_PORT,
    rtmps: loadRtmpsListener(e),
    ingest: {
      handshakeTimeoutMs: e.PRISM_INGEST_HANDSHAKE_TIMEOUT_MS,
      failedPublishesPerMinute: e.PRISM_INGEST_FAILED_PUBLISHES_PER_MINUTE,
      blockSeconds: e.PRISM_INGEST_BLOCK_SECONDS,
      stallMs: e.PRISM_INGEST_STALL_MS,
      maxPendingBytes: e.PRISM_INGEST_MAX_PENDING_BYTES,
      maxChunkStreams: e.PRISM_INGEST_MAX_CHUNK_STREAMS,
      primarySteadyMs: e.PRISM_INGEST_PRIMARY_STEADY_SEC * 1000,
    },
    httpPort: e.PRISM_HTTP_PORT,
    dataDir: resolve(e.PRISM_DATA_DIR),
    databaseUrl: e.PRISM_DATABASE_URL,
    publicHost: e.PRISM_PUBLIC_HOST || undefined,
    apiToken: e.PRISM_API_TOKEN,
    secret: e.PRISM_SECRET,
    logLevel: e.PRISM_LOG_LEVEL,
    logFormat: e.PRISM_LOG_FORMAT,
    output: {
      queueLimitBytes: Math.round(e.PRISM_OUTPUT_QUEUE_MB * 1024 * 1024),
      connectTimeoutMs: e.PRISM_OUTPUT_CONNECT_TIMEOUT_MS,
      tlsCa,
      addressPolicy,
    },
    webhooks: {
      allowPrivate: e.PRISM_WEBHOOK_ALLOW_PRIVATE,
      concurrency: Math.max(1, Math.round(e.PRISM_WEBHOOK_CONCURRENCY)),
      timeoutMs: e.PRISM_WEBHOOK_TIMEOUT_MS,
      retry: { initialMs: e.PRISM_WEBHOOK_RETRY_INITIAL_MS, maxMs: e.PRISM_WEBHOOK_RETRY_MAX_MS, forMs: e.PRISM_WEBHOOK_RETRY_FOR_MS },
      iftttBaseUrl: e.PRISM_IFTTT_BASE_URL.replace(/\/+$/, ""),
      destinationFailedAfterMs: e.PRISM_DESTINATION_FAILED_AFTER_MS,
      eventRetentionMs: e.PRISM_EVENTS_RETENTION_DAYS * 86_400_000,
      maxEvents: Math.round(e.PRISM_EVENTS_MAX),
    },
    chat: { reorderWindowMs: e.PRISM_CHAT_REORDER_MS },
    recordings: {
      dir: resolve(e.PRISM_RECORDINGS_DIR || resolve(e.PRISM_DATA_DIR, "recordings")),
      minFreeBytes: Math.round(e.PRISM_RECORDINGS_MIN_FREE_MB * 1024 * 1024),
      retainDays: e.PRISM_RECORDINGS_RETAIN_DAYS ?? null,
      maxBytes: e.PRISM_RECORDINGS_MAX_GB === undefined ? null : Math.round(e.PRISM_RECORDINGS_MAX_GB * 1024 ** 3),
      queueLimitBytes: Math.round(e.PRISM_RECORDINGS_QUEUE_MB * 1024 * 1024),
    },
    sessions: { bucketMs: e.PRISM_SESSION_BUCKET_SEC * 1000 },
    media: {
      dir: resolve(e.PRISM_MEDIA_DIR ?? resolve(e.PRISM_DATA_DIR, "media")),
      maxBytes: Math.round(e.PRISM_MEDIA_MAX_MB * 1024 * 1024),
    },
    schedule: { startingSoonLeadMs: Math.round(e.PRISM_EVENT_STARTING_SOON_MIN * 60_000), missedGraceMs: Math.round(e.PRISM_EVENT_MISSED_GRACE_SEC * 1000) },
    api: {
      rateLimitPerMinute: e.PRISM_API_RATE_LIMIT,
      maxBodyBytes: Math.round(e.PRISM_API_MAX_BODY_KB * 1024),
      metricsPublic: e.PRISM_METRICS_PUBLIC,
    },
    accounts: {
      publicUrl: e.PRISM_PUBLIC_URL?.replace(/\/+$/, ""),
      stateTtlMs: e.PRISM_OAUTH_STATE_TTL_SECONDS * 1000,
      refreshMarginMs: e.PRISM_OAUTH_REFRESH_MARGIN_SECONDS * 1000,
      refreshCheckMs: e.PRISM_OAUTH_REFRESH_CHECK_SECONDS * 1000,
      apiTimeoutMs: e.PRISM_PLATFORM_API_TIMEOUT_MS,
      platforms: Object.fromEntries(configured.map(({ id, config }) => [id, platformSettingsOf(id, config, p)])),
    },
    cluster,
    configFile,
  };
}

/**
 * The cluster's settings, or undefined for a single node. A cluster keeps its state in one PostgreSQL that every
 * node shares (PRISM_DATABASE_URL): SQLite files, one per node, would each see a different Prism.
 */
function loadClusterSettings(e: Env, values: Record<string, string | undefined>): ClusterSettings | undefined {
  if (!e.PRISM_NATS_URL) return undefined;
  if (!values.PRISM_DATABASE_URL) {
    throw new ConfigError(["PRISM_NATS_URL: a cluster keeps its state in PostgreSQL, shared by every node: set PRISM_DATABASE_URL=postgres://… as well"]);
  }
  return { natsUrl: e.PRISM_NATS_URL, nodeId: e.PRISM_NODE_ID ?? defaultNodeId(hostname(), e.PRISM_HTTP_PORT), leaseMs: e.PRISM_CLUSTER_LEASE_MS, drainSeconds: e.PRISM_DRAIN_SECONDS };
}

/** `<host name>-<HTTP port>`, lowercased, with anything a node id may not hold turned into "-". */
export function defaultNodeId(host: string, httpPort: number): string {
  const suffix = `-${httpPort}`;
  const name = host
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63 - suffix.length)
    .replace(/-+$/, "");
  return `${name || "node"}${suffix}`;
}

/** A platform's settings from its validated environment values: the derived common part and its own options. */
function platformSettingsOf(id: string, config: PlatformConfig, values: Record<string, unknown>): PlatformSettings {
  const name = (suffix: string) => `${envPrefix(id)}${suffix}`;
  const trim = (url: string) => url.replace(/\/+$/, "");
  const authUrl = trim(values[name("AUTH_URL")] as string);
  return {
    clientId: (values[name("CLIENT_ID")] as string | undefined) || undefined,
    clientSecret: (values[name("CLIENT_SECRET")] as string | undefined) || undefined,
    authUrl,
    tokenUrl: trim((values[name("TOKEN_URL")] as string | undefined) ?? config.urls.token ?? authUrl),
    apiUrl: trim(values[name("API_URL")] as string),
    options: config.options(values),
  };
}

function loadRtmpsListener(e: Env): Config["rtmps"] {
  if (e.PRISM_RTMPS_PORT === undefined) return undefined;
  const problems: string[] = [];
  const read = (name: "PRISM_RTMPS_CERT_FILE" | "PRISM_RTMPS_KEY_FILE") => {
    const file = e[name];
    if (!file) {
      problems.push(`${name}: required when PRISM_RTMPS_PORT is set`);
      return "";
    }
    try {
      return readFileSync(file, "utf8");
    } catch (err) {
      problems.push(`${name}: cannot read ${file} (${(err as Error).message})`);
      return "";
    }
  };
  const cert = read("PRISM_RTMPS_CERT_FILE");
  const key = read("PRISM_RTMPS_KEY_FILE");
  if (problems.length > 0) throw new ConfigError(problems);
  return { port: e.PRISM_RTMPS_PORT, cert, key };
}

/** One line per setting, for `--help`: the environment variable, its prism.config.json key, what it does. */
export function describeSettings(): string {
  return settingShapes()
    .map(([name, schema]) => `  ${name.padEnd(34)} ${fileKey(name).padEnd(26)} ${schema.description ?? ""}`)
    .join("\n");
}
