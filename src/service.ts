import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { serve, type ServerType } from "@hono/node-server";
import type { DestinationStream } from "pino";
import type { Config } from "./config.js";
import { createLogger, type Logger } from "./log.js";
import { EventBus } from "./bus.js";
import { openDatabase } from "./db/client.js";
import { StreamsRepo } from "./db/streams-repo.js";
import { DestinationsRepo } from "./db/destinations-repo.js";
import { SecretBox } from "./secrets/secret-box.js";
import { readOrCreateSecretFile } from "./secrets/data-dir-secrets.js";
import { newApiToken } from "./secrets/tokens.js";
import { Relay } from "./relay/relay.js";
import { DEFAULT_BACKOFF } from "./core/backoff.js";
import { platformOf } from "./destinations/registry.js";
import { routeNmsLogging } from "./relay/rtmp/nms.js";
import { createApi, type Api } from "./api/app.js";
import { AdminToken } from "./api/admin-token.js";
import { TokensRepo } from "./db/tokens-repo.js";
import { SessionsRepo } from "./db/sessions-repo.js";
import { createMetrics } from "./metrics/metrics.js";
import { hostPort, publicHostFor } from "./net/addresses.js";
import { createAutomation } from "./webhooks/index.js";
import { SlateImageStore, slateImagePath } from "./relay/slate-image.js";
import { createAccounts } from "./oauth/index.js";
import { oauthCallbackPath } from "./api/paths.js";
import { createComments, type ChatSources } from "./comments/index.js";
import { createAudience, type ViewerSources } from "./audience/index.js";

export const INGEST_APP = "live";

export interface Prism {
  rtmpPort: number;
  /** null unless PRISM_RTMPS_PORT is set. */
  rtmpsPort: number | null;
  httpPort: number;
  /** What OBS uses as "Server". */
  ingestUrl: string;
  /** The same over TLS, when the RTMPS ingest is on. */
  secureIngestUrl: string | null;
  apiUrl: string;
  /** Rotatable at run time through the API; `value` is always the current one. */
  adminToken: AdminToken;
  /** The HTTP app, for tests that compare its routing table with the OpenAPI document. */
  httpApp: Api["app"];
  streams: StreamsRepo;
  /** The event bus, for tests that stand in for producers that do not exist yet (chat, OAuth). */
  bus: EventBus;
  log: Logger;
  stop(): Promise<void>;
}

/** Composition root: config → secrets → database → bus → relay → API. */
export async function startPrism(
  config: Config,
  options: {
    logDestination?: DestinationStream;
    /** Stand-ins for the platform chats (tests, benchmarks); by default the linked accounts' destinations. */
    chat?: { sources?: ChatSources; reorderWindowMs?: number };
    /** Stand-ins for the platforms' viewer counts (tests); by default the linked accounts' destinations. */
    viewers?: { sources?: ViewerSources };
  } = {},
): Promise<Prism> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const log = createLogger({ level: config.logLevel, format: config.logFormat, destination: options.logDestination });
  routeNmsLogging(log);

  const masterSecret = config.secret ?? readOrCreateSecretFile(config.dataDir, "secret.key", () => randomBytes(32).toString("base64url")).value;
  const tokenFile = config.apiToken ? undefined : readOrCreateSecretFile(config.dataDir, "api-token", newApiToken);
  const adminToken = tokenFile
    ? new AdminToken(tokenFile.value, "file", tokenFile.path, tokenFile.created)
    : new AdminToken(config.apiToken!, "env", undefined, false);

  const box = new SecretBox(masterSecret);
  const database = openDatabase(join(config.dataDir, "prism.sqlite"));
  const streams = new StreamsRepo(database.db, box);
  const keyed = streams.fillMissingBackupKeys();
  if (keyed > 0) log.info({ streams: keyed }, "gave streams from before backup ingest their backup stream key");
  const destinations = new DestinationsRepo(database.db, box);
  const bus = new EventBus((event, err) => log.error({ err, event }, "event subscriber failed"));
  const tokens = new TokensRepo(database.db, box);
  // Listening before the relay starts, so no stream or destination event goes unannounced.
  const automation = createAutomation({ db: database.db, box, bus, streams, destinations, settings: config.webhooks, log: log.child({ component: "webhooks" }) });
  automation.start();
  // The API's address is known once it listens; PRISM_PUBLIC_URL wins when set.
  let httpBase = "";
  const oauthRedirectUri = (platform: string) => `${config.accounts.publicUrl ?? httpBase}${oauthCallbackPath(platform)}`;
  const accounts = createAccounts({
    db: database.db,
    box,
    bus,
    streams,
    destinations,
    settings: config.accounts,
    redirectUri: oauthRedirectUri,
    log: log.child({ component: "accounts" }),
  });
  accounts.start();
  const comments = createComments({
    db: database.db,
    box,
    bus,
    sources: options.chat?.sources ?? { forStream: (streamId) => accounts.chatSources(streamId) },
    settings: { reorderWindowMs: options.chat?.reorderWindowMs ?? config.chat.reorderWindowMs },
    log: log.child({ component: "comments" }),
  });
  // Before the relay starts, so no stream.started is missed.
  comments.start();
  const audience = createAudience({
    bus,
    sources: options.viewers?.sources ?? { forStream: (streamId) => accounts.viewerSources(streamId) },
    log: log.child({ component: "audience" }),
  });
  audience.start();

  const relay = new Relay(
    { host: config.host, port: config.rtmpPort, tls: config.rtmps, ingest: config.ingest, app: INGEST_APP, platformRules: platformOf, output: { ...config.output, backoff: DEFAULT_BACKOFF } },
    {
      streamByKey: (key) => {
        const stream = streams.findByKey(key);
        return stream && { ...stream, slate: { ...stream.slate, image: slateImagePath(config.dataDir, stream.slate.image) } };
      },
      enabledTargets: (streamId) =>
        destinations
          .list(streamId)
          .filter((d) => d.enabled)
          // A destination of a linked account asks its platform for the URL and key before each connection.
          .map((d) => ({ id: d.id, name: d.name, url: d.url, streamKey: d.streamKey, platform: d.platform, transcode: d.transcode, resolve: accounts.resolverFor(d) })),
    },
    bus,
    log.child({ component: "relay" }),
  );
  let http: ServerType | undefined;
  let closeApi = () => {};
  try {
    const { rtmp: rtmpPort, rtmps: rtmpsPort } = await relay.start();
    const publicHost = publicHostFor(config.host, config.publicHost);
    const ingestUrl = `rtmp://${hostPort(publicHost, rtmpPort)}/${INGEST_APP}`;
    const secureIngestUrl = rtmpsPort === null ? null : `rtmps://${hostPort(publicHost, rtmpsPort)}/${INGEST_APP}`;
    const metrics = createMetrics(relay, bus);
    automation.instrument(metrics.registry);
    comments.instrument(metrics.registry);
    audience.instrument(metrics.registry);
    accounts.instrument(metrics.registry);
    const api = createApi({
      platformHealth(streamId, destinationId) {
        const destination = destinations.get(streamId, destinationId);
        const usage = destination && accounts.usage(destination);
        return {
          chat: comments.api.readerState(streamId, destinationId) ?? null,
          quota: usage ? { unitsToday: usage.quotaUnitsToday, dailyLimit: usage.quotaDailyLimit, resetsAt: usage.quotaResetsAt } : null,
          viewers: audience.api.viewers(streamId, destinationId),
        };
      },
      viewersTotal: (streamId) => audience.api.total(streamId),
      streams,
      destinations,
      relay,
      bus,
      auth: { admin: adminToken, tokens, sessions: new SessionsRepo(database.db, box) },
      metrics,
      http: config.api,
      ingestUrl,
      secureIngestUrl,
      slateImages: new SlateImageStore(config.dataDir),
      destinationPolicy: config.output.addressPolicy,
      automation: automation.api,
      accounts: accounts.api,
      comments: comments.api,
      oauthRedirectUri,
      publicUrl: () => config.accounts.publicUrl ?? httpBase,
      platforms: {
        settings: config.accounts.platforms,
        destinationSettings: (platform) => accounts.destinationSettings(platform),
        // Chat a platform pushes (a webhook) joins each live stream's feed as if its reader had read it.
        deliverChat: (platform, platformUserId, messages, accepts) => {
          const streamIds = accounts.liveStreamsLinkedTo(platform, platformUserId, accepts);
          for (const streamId of streamIds) comments.accept(streamId, platform, messages);
          return streamIds.length;
        },
      },
      log: log.child({ component: "api" }),
    });
    closeApi = () => {
      api.close();
      metrics.close();
    };
    const server = serve({ fetch: api.app.fetch, port: config.httpPort, hostname: config.host });
    http = server;
    // Upgraded sockets (the chat WebSocket) are no longer HTTP connections closeAllConnections knows
    // of, yet server.close() waits for them: kept here so stop() can end them.
    const upgraded = new Set<Duplex>();
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!api.upgrade(req, socket, head)) return void socket.destroy();
      upgraded.add(socket);
      socket.once("close", () => upgraded.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("listening", resolve);
      server.once("error", reject);
    });
    const httpPort = (server.address() as AddressInfo).port;
    const apiUrl = `http://${hostPort(publicHostFor(config.host, config.publicHost), httpPort)}`;
    httpBase = apiUrl;
    log.info({ rtmpPort, rtmpsPort, httpPort, dataDir: config.dataDir }, "Prism started");

    let stopping: Promise<void> | undefined;
    return {
      rtmpPort,
      rtmpsPort,
      httpPort,
      ingestUrl,
      secureIngestUrl,
      apiUrl,
      adminToken,
      httpApp: api.app,
      streams,
      bus,
      log,
      stop: () =>
        (stopping ??= (async () => {
          const closed = new Promise<void>((resolve) => server.close(() => resolve()));
          if ("closeAllConnections" in server) server.closeAllConnections();
          for (const socket of upgraded) socket.destroy();
          await closed;
          closeApi();
          await relay.stop();
          comments.stop();
          audience.stop();
          accounts.stop();
          // After the relay, so its last events (stream.ended) are in the outbox for the next start.
          await automation.stop();
          database.close();
          log.info("Prism stopped");
          log.flush();
        })()),
    };
  } catch (err) {
    http?.close();
    closeApi();
    await relay.stop();
    comments.stop();
    audience.stop();
    accounts.stop();
    await automation.stop();
    database.close();
    throw err;
  }
}
