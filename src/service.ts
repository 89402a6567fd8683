import { mkdirSync } from "node:fs";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { serve, type ServerType } from "@hono/node-server";
import type { DestinationStream } from "pino";
import { hostname } from "node:os";
import { defaultNodeId, type Config } from "./config.js";
import { createLogger, type Logger } from "./log.js";
import { EventBus } from "./bus.js";
import { openStore } from "./db/open-store.js";
import { NodeDrain } from "./core/node-drain.js";
import { storeProbe } from "./api/readiness.js";
import type { SqliteRepos, Store, StreamsStore } from "./db/store.js";
import type { Destination } from "./db/destinations-repo.js";
import { SecretBox } from "./secrets/secret-box.js";
import { readOrCreateSecretFile } from "./secrets/data-dir-secrets.js";
import { newApiToken } from "./secrets/tokens.js";
import { Relay, type RelayConfigSource, type RelayTarget } from "./relay/relay.js";
import { DEFAULT_BACKOFF } from "./core/backoff.js";
import { platformOf } from "./destinations/registry.js";
import { routeNmsLogging } from "./relay/rtmp/nms.js";
import { createApi, type Api } from "./api/app.js";
import { AdminToken } from "./api/admin-token.js";
import { createMetrics } from "./metrics/metrics.js";
import { hostPort, publicHostFor } from "./net/addresses.js";
import { createAutomation } from "./webhooks/index.js";
import { SlateImageStore, slateImagePath } from "./relay/slate-image.js";
import { createAccounts } from "./oauth/index.js";
import { oauthCallbackPath } from "./api/paths.js";
import { createComments, type ChatSources } from "./comments/index.js";
import { createRecordings, type RecordingsOptions } from "./recordings/index.js";
import { SessionRecorder } from "./sessions/recorder.js";
import { createMedia } from "./media-library/index.js";
import { createSchedule, type Schedule } from "./schedule/index.js";
import { createPreview, MAX_PREVIEW_VIEWERS_PER_STREAM, PREVIEW_QUEUE_LIMIT_BYTES, THUMBNAIL_REFRESH_MS, HISTORY_INTERVAL_MS } from "./relay/preview/index.js";
import { previewMetrics } from "./metrics/preview.js";
import { createAudience, type ViewerSources } from "./audience/index.js";
import { answerForwarded, routeStreamsThrough } from "./api/cluster-routing.js";
import { ApiError } from "./api/errors.js";
import { joinAsMember, PRISM_VERSION, singleNodeView, type ClusterMember } from "./cluster-node.js";

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
  /** The streams as the store keeps them (tests read and change them here). */
  streams: StreamsStore;
  /**
   * Plays an uploaded video into a stream as if OBS published it (issue #18): play({ eventId,
   * streamId, mediaId, loop, endsAt }) and stop(eventId, reason). event.started does the same.
   */
  media: ReturnType<typeof createMedia>["player"];
  /** The event bus, for tests that stand in for producers that do not exist yet (chat, OAuth). */
  bus: EventBus;
  log: Logger;
  /**
   * Starts draining (SIGTERM in a cluster): new publishes are refused ("reconnect", so OBS lands on another node),
   * /healthz answers 503 { draining: true }, the cluster lists the node as draining. Resolves once no stream is
   * live here any more, or after PRISM_DRAIN_SECONDS (at once on a single node).
   */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

/** A setting Prism understands but cannot act on yet: start-up stops with its message instead of ignoring it. */
export class SettingNotAvailable extends Error {}

/**
 * What the relay reads of configuration. On SQLite it answers from the synchronous repositories, so a publish is
 * decided on the spot as it always was; on PostgreSQL it answers with promises the relay waits for (bounded).
 */
function relayConfig(
  repos: SqliteRepos | undefined,
  store: Store,
  helpers: { slateImage: (image: string | null) => string; resolverFor: (destination: Destination) => RelayTarget["resolve"] },
): RelayConfigSource {
  const slateOf = (slate: { enabled: boolean; maxSeconds: number; image: string | null }) => ({ ...slate, image: helpers.slateImage(slate.image) });
  const keyed = (stream: Awaited<ReturnType<StreamsStore["findByKey"]>>) => stream && { ...stream, slate: slateOf(stream.slate) };
  const targets = (destinations: Destination[]): RelayTarget[] =>
    destinations
      .filter((d) => d.enabled)
      .map((d) => ({ id: d.id, name: d.name, url: d.url, streamKey: d.streamKey, platform: d.platform, transcode: d.transcode, resolve: helpers.resolverFor(d) }));
  const slateNow = async (streamId: string) => {
    const stream = await store.streams.get(streamId);
    return stream && slateOf(stream.slate);
  };
  if (repos) return { streamByKey: (key) => keyed(repos.streams.findByKey(key)), enabledTargets: (streamId) => targets(repos.destinations.list(streamId)), slateOf: slateNow };
  return {
    streamByKey: async (key) => keyed(await store.streams.findByKey(key)),
    enabledTargets: async (streamId) => targets(await store.destinations.list(streamId)),
    slateOf: slateNow,
  };
}

/** Composition root: config → secrets → database → bus → relay → API. */
export async function startPrism(
  config: Config,
  options: {
    logDestination?: DestinationStream;
    /** Stand-ins for the platform chats (tests, benchmarks); by default the linked accounts' destinations. */
    chat?: { sources?: ChatSources; reorderWindowMs?: number };
    /** A stand-in for the recordings disk's free space (tests of the floor), and how often it is read. */
    recordings?: Pick<RecordingsOptions, "freeSpace" | "checkEveryMs">;
    /** Stand-ins for the platforms' viewer counts (tests); by default the linked accounts' destinations. */
    viewers?: { sources?: ViewerSources };
  } = {},
): Promise<Prism> {
  const startedAt = new Date().toISOString();
  // GET /cluster names a single Prism as a cluster would (PRISM_NODE_ID's default), once the HTTP port is known.
  const singleNodeId = () => defaultNodeId(hostname(), httpPortOf());
  let httpPortOf = () => config.httpPort;
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const log = createLogger({ level: config.logLevel, format: config.logFormat, destination: options.logDestination });
  routeNmsLogging(log);

  const masterSecret = config.secret ?? readOrCreateSecretFile(config.dataDir, "secret.key", () => randomBytes(32).toString("base64url")).value;
  const tokenFile = config.apiToken ? undefined : readOrCreateSecretFile(config.dataDir, "api-token", newApiToken);
  const adminToken = tokenFile
    ? new AdminToken(tokenFile.value, "file", tokenFile.path, tokenFile.created)
    : new AdminToken(config.apiToken!, "env", undefined, false);

  const box = new SecretBox(masterSecret);
  const database = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, box, log: log.child({ component: "store" }) });
  // Draining (SIGTERM in a cluster): /healthz fails so the balancer sends new work elsewhere.
  const drain = new NodeDrain();
  // On SQLite the relay reads the synchronous repositories (a publish is decided on the spot); on PostgreSQL it waits.
  const { store, sqlite: repos } = database;
  const keyed = await store.streams.fillMissingBackupKeys();
  if (keyed > 0) log.info({ streams: keyed }, "gave streams from before backup ingest their backup stream key");
  const bus = new EventBus((event, err) => log.error({ err, event }, "event subscriber failed"));
  // Cluster (PRISM_NATS_URL): joined before anything listens, so a duplicate PRISM_NODE_ID stops the start here.
  let member: ClusterMember | undefined;
  if (config.cluster) {
    try {
      // A publish waits for its claim at most this long, within the ingest's own deadline for a decision.
      const claimTimeoutMs = Math.max(1_000, config.ingest.handshakeTimeoutMs - 1_000);
      member = await joinAsMember(config.cluster, { bus, log: log.child({ component: "cluster" }), claimTimeoutMs });
    } catch (err) {
      await database.close();
      throw err;
    }
  }
  // Listening before the relay starts, so no stream or destination event goes unannounced.
  const automation = createAutomation({
    store,
    bus,
    settings: config.webhooks,
    log: log.child({ component: "webhooks" }),
    // Read only once the relay runs (a destination.failed comes after a destination.state from it).
    destinationError: (streamId, destinationId) => relay.outputHealth(streamId, destinationId)?.lastError,
    node: config.cluster?.nodeId,
  });
  automation.start();
  // The API's address is known once it listens; PRISM_PUBLIC_URL wins when set.
  let httpBase = "";
  const oauthRedirectUri = (platform: string) => `${config.accounts.publicUrl ?? httpBase}${oauthCallbackPath(platform)}`;
  // Go-lives ask the schedule (made below, once the relay exists) which event they belong to.
  let schedule: Schedule | undefined;
  const accounts = createAccounts({
    store,
    bus,
    settings: config.accounts,
    redirectUri: oauthRedirectUri,
    scheduledFor: async (streamId, accountId) => schedule?.scheduledFor(streamId, accountId),
    log: log.child({ component: "accounts" }),
  });
  accounts.start();
  const comments = createComments({
    store,
    box,
    bus,
    sources: options.chat?.sources ?? { forStream: (streamId) => accounts.chatSources(streamId) },
    settings: { reorderWindowMs: options.chat?.reorderWindowMs ?? config.chat.reorderWindowMs },
    log: log.child({ component: "comments" }),
    cluster: member?.chat,
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
    {
      host: config.host,
      port: config.rtmpPort,
      tls: config.rtmps,
      ingest: config.ingest,
      app: INGEST_APP,
      platformRules: platformOf,
      output: { ...config.output, backoff: DEFAULT_BACKOFF },
      ownership: member?.ownership,
      publishRefusal: () => drain.publishRefusal(),
    },
    relayConfig(repos, store, {
      slateImage: (image) => slateImagePath(config.dataDir, image),
      // A destination of a linked account asks its platform for the URL and key before each connection.
      resolverFor: (destination) => accounts.resolverFor(destination),
    }),
    bus,
    log.child({ component: "relay" }),
  );
  // What the API and the schedule read of live streams: in a cluster, also those live on other nodes.
  const liveView = member
    ? member.attach(relay, {
        platformHealth: (streamId, destinationId) => ({
          chat: comments.api.readerState(streamId, destinationId) ?? null,
          quota: null,
          viewers: audience.api.viewers(streamId, destinationId),
        }),
        viewersTotal: (streamId) => audience.api.total(streamId),
      })
    : undefined;
  const recordings = createRecordings({
    store,
    bus,
    hubs: relay,
    options: { ...config.recordings, ...options.recordings },
    log: log.child({ component: "recordings" }),
    // A stream taken over after its node died keeps its session; the start-up repair leaves other nodes' work alone.
    cluster: member,
  });
  // Not the relay's concern: a bus subscriber that samples the relay's read-only figures.
  const recorder = new SessionRecorder({
    bus,
    repo: store.broadcastSessions,
    relay,
    platformOf: async (streamId, destinationId) => (await store.destinations.get(streamId, destinationId))?.platform,
    settings: { bucketMs: config.sessions.bucketMs, retentionMs: config.webhooks.eventRetentionMs },
    log: log.child({ component: "sessions" }),
    cluster: member,
  });
  // After the webhooks subscribed (a session a crash left open is reported now), before the relay starts.
  await recorder.start();
  // Plays uploaded videos into streams through the relay's ingest, as the media player.
  const media = createMedia({
    store,
    bus,
    ingest: relay,
    streamKeyOf: async (streamId) => (await store.streams.get(streamId))?.streamKey,
    settings: config.media,
    log: log.child({ component: "media" }),
  });
  media.start();
  schedule = createSchedule({
    store,
    bus,
    announcements: accounts.announcements,
    isLive: (streamId) => (liveView ?? relay).isLive(streamId),
    // A media event must name an uploaded video; whether it is still there at the start is the player's to say.
    checkSource: async (source) =>
      source.type === "media" && !(await media.library.get(source.mediaId)) ? `No uploaded video ${source.mediaId}: upload one with POST /api/v1/media (GET /api/v1/media lists them).` : null,
    settings: config.schedule,
    log: log.child({ component: "schedule" }),
  });
  let http: ServerType | undefined;
  let closeApi = () => {};
  try {
    // Before the relay starts, so no stream.started is missed.
    await recordings.start();
    const { rtmp: rtmpPort, rtmps: rtmpsPort } = await relay.start();
    // After the relay, so a start-up that starts an event finds it listening; before the API, so nothing is scheduled unarmed.
    await schedule.start();
    const publicHost = publicHostFor(config.host, config.publicHost);
    const ingestUrl = `rtmp://${hostPort(publicHost, rtmpPort)}/${INGEST_APP}`;
    const secureIngestUrl = rtmpsPort === null ? null : `rtmps://${hostPort(publicHost, rtmpsPort)}/${INGEST_APP}`;
    const metrics = createMetrics(relay, bus, { node: member?.nodeId });
    automation.instrument(metrics.registry);
    comments.instrument(metrics.registry);
    audience.instrument(metrics.registry);
    accounts.instrument(metrics.registry);
    recordings.instrument(metrics.registry);
    const preview = createPreview(relay, bus);
    preview.observe(previewMetrics(metrics.registry, () => preview.viewerCounts()));
    preview.start();
    const api = createApi({
      readiness: { storeUp: storeProbe(database.ping), draining: () => drain.draining },
      platformHealth(streamId, destination) {
        // Live on another node: its owner's reader and viewers (from the health mirror).
        const remote = liveView && !relay.isLive(streamId) ? liveView.platformHealth(streamId, destination.id) : null;
        if (remote) return remote;
        const usage = accounts.usage(destination);
        const destinationId = destination.id;
        return {
          chat: comments.api.readerState(streamId, destinationId) ?? null,
          quota: usage ? { unitsToday: usage.quotaUnitsToday, dailyLimit: usage.quotaDailyLimit, resetsAt: usage.quotaResetsAt } : null,
          viewers: audience.api.viewers(streamId, destinationId),
        };
      },
      viewersTotal: (streamId) => (liveView && !relay.isLive(streamId) ? liveView.viewersTotal(streamId) : audience.api.total(streamId)),
      streams: store.streams,
      destinations: store.destinations,
      relay: liveView ?? relay,
      cluster:
        member?.view ??
        singleNodeView(
          () => ({ nodeId: singleNodeId(), version: PRISM_VERSION, httpUrl: httpBase, rtmpUrl: ingestUrl, startedAt, draining: false }),
          relay,
        ),
      bus,
      auth: { admin: adminToken, tokens: store.tokens, sessions: store.sessions },
      metrics,
      http: config.api,
      ingestUrl,
      secureIngestUrl,
      slateImages: new SlateImageStore(config.dataDir),
      destinationPolicy: config.output.addressPolicy,
      preview: {
        isLive: (streamId) => relay.isLive(streamId),
        thumbnail: (streamId) => preview.thumbnail(streamId),
        thumbnailRefreshSeconds: THUMBNAIL_REFRESH_MS / 1000,
        openLive: (streamId) => preview.openLive(streamId),
        maxViewersPerStream: MAX_PREVIEW_VIEWERS_PER_STREAM,
        queueLimitBytes: PREVIEW_QUEUE_LIMIT_BYTES,
        history: (streamId) => preview.history(streamId),
        historyIntervalMs: HISTORY_INTERVAL_MS,
      },
      automation: automation.api,
      accounts: accounts.api,
      comments: comments.api,
      recordings: recordings.api,
      sessions: recorder,
      media: media.api,
      schedule: schedule.api,
      oauthRedirectUri,
      publicUrl: () => config.accounts.publicUrl ?? httpBase,
      platforms: {
        settings: config.accounts.platforms,
        destinationSettings: (platform) => accounts.destinationSettings(platform),
        // Chat a platform pushes (a webhook) joins each live stream's feed as if its reader had read it.
        // In a cluster, a stream live on another node gets it through that node (its owner reads its chat).
        deliverChat: async (platform, platformUserId, messages, accepts) => {
          const live = liveView?.liveStreams().map((s) => s.id);
          const streamIds = await accounts.liveStreamsLinkedTo(platform, platformUserId, accepts, live);
          for (const streamId of streamIds) await comments.deliver(streamId, platform, messages).catch(chatNotTaken);
          return streamIds.length;
        },
      },
      log: log.child({ component: "api" }),
    });
    if (member) routeStreamsThrough(api.app, member.routeRequests((request) => answerForwarded(api.app, request)));
    drain.onDrain(() => void member?.markDraining().catch((err: unknown) => log.warn({ err }, "could not mark this node draining in the cluster")));
    closeApi = () => {
      preview.stop();
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
    httpPortOf = () => httpPort;
    const apiUrl = `http://${hostPort(publicHostFor(config.host, config.publicHost), httpPort)}`;
    httpBase = apiUrl;
    await member?.announce({ httpUrl: apiUrl, rtmpUrl: ingestUrl });
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
      streams: store.streams,
      media: media.player,
      bus,
      log,
      drain: () => {
        drain.start();
        return untilNothingLive(relay, bus, (config.cluster?.drainSeconds ?? 0) * 1000);
      },
      stop: () =>
        (stopping ??= (async () => {
          const closed = new Promise<void>((resolve) => server.close(() => resolve()));
          if ("closeAllConnections" in server) server.closeAllConnections();
          for (const socket of upgraded) socket.destroy();
          await closed;
          closeApi();
          media.stop();
          schedule?.stop();
          await relay.stop();
          // After the relay released its streams' leases (any node may take them now) and its last events went out.
          await member?.leave();
          // After the relay (its stream.ended closes live recordings), before the database: the MP4s are made now.
          await recordings.stop();
          // After the relay, so the sessions it ended are reported; before the webhooks, so the reports go out.
          await recorder.stop();
          await comments.stop();
          audience.stop();
          accounts.stop();
          // After the relay, so its last events (stream.ended) are in the outbox for the next start.
          await automation.stop();
          await database.close();
          log.info("Prism stopped");
          log.flush();
        })()),
    };
  } catch (err) {
    http?.close();
    closeApi();
    media.stop();
    schedule.stop();
    await relay.stop();
    await member?.leave();
    await recordings.stop();
    await recorder.stop();
    await comments.stop();
    audience.stop();
    accounts.stop();
    await automation.stop();
    await database.close();
    throw err;
  }
}

/** Pushed chat the owner of its stream could not take: the platform's webhook is answered 503, so it sends it again. */
function chatNotTaken(err: unknown): never {
  throw new ApiError(503, "cluster_unavailable", `${(err as Error).message}.`);
}

/** Resolves once the relay has no live stream (each ends, or its publisher moved to another node), or after `maxMs`. */
function untilNothingLive(relay: Pick<Relay, "liveStreams">, bus: EventBus, maxMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      off();
      resolve();
    };
    const timer = setTimeout(done, maxMs);
    const off = bus.on("stream.ended", () => void (relay.liveStreams().length === 0 && done()), { localOnly: true });
    if (maxMs <= 0 || relay.liveStreams().length === 0) done();
  });
}
