import type { EventBus } from "../bus.js";
import type { DestinationSummary } from "../db/destinations-repo.js";
import type { DestinationsStore, SessionsStore, StreamsStore, TokensStore } from "../db/store.js";
import type { IngestHealth, InputId } from "../relay/hub.js";
import type { InputHealth } from "../relay/ingest/input-meter.js";
import type { OutputHealth } from "../relay/output.js";
import type { IngestState, LiveStreamSnapshot } from "../relay/relay.js";
import type { DestinationTranscode } from "../relay/transcode/transcoding.js";
import type { Logger } from "../log.js";
import type { SlateImageStore } from "../relay/slate-image.js";
import type { AdminToken } from "./admin-token.js";
import type { Metrics } from "../metrics/metrics.js";
import type { AddressPolicy } from "../net/address-policy.js";
import type { RecordingsApi } from "../recordings/index.js";
import type { Thumbnail } from "../relay/preview/thumbnails.js";
import type { OpenPreview } from "../relay/preview/live-preview.js";
import type { StreamBitrateHistory } from "../relay/bitrate-history.js";

/** What the API may ask the relay: read-only views; changes go through the store and the bus. */
export interface RelayView {
  isLive(streamId: string): boolean;
  ingestHealth(streamId: string): (IngestHealth & Record<InputId, InputHealth>) | null;
  outputHealth(streamId: string, destinationId: string): OutputHealth | undefined;
  destinationTranscode(streamId: string, destinationId: string): DestinationTranscode | undefined;
  liveStreams(): LiveStreamSnapshot[];
  ingestSource(streamId: string): { source: IngestState; slateUntil: string | null; warnings: string[] } | null;
}

/** What a destination's platform adds to its health: its chat reader, its API quota, and its live viewers. */
export interface DestinationPlatformHealth {
  chat: { state: "connecting" | "live" | "reconnecting" | "failed"; detail?: string } | null;
  quota: { unitsToday: number; dailyLimit: number; resetsAt: string } | null;
  /** The last viewer count while live, or why there is none; null while the stream is not live. */
  viewers: { count: number; at: string; totalViews?: number } | { unavailable: string } | null;
}

export interface ApiDeps {
  /** The chat reader and quota of a destination, for its health (absent: null for both). */
  platformHealth?: (streamId: string, destination: Pick<DestinationSummary, "id" | "platform" | "accountId">) => DestinationPlatformHealth;
  /** The live stream's viewers, its destinations' counts added up (absent or null: none counted). */
  viewersTotal?: (streamId: string) => { count: number; at: string } | null;
  streams: StreamsStore;
  destinations: DestinationsStore;
  relay: RelayView;
  bus: EventBus;
  /** The admin token (rotatable) and the named tokens with scopes. */
  auth: { admin: AdminToken; tokens: TokensStore; sessions: SessionsStore };
  metrics: Metrics;
  /** HTTP-level limits, from the configuration. */
  http: HttpSettings;
  /** The OBS server URL, e.g. rtmp://host:1935/live. */
  ingestUrl: string;
  /** The same over TLS (rtmps://…), when the RTMPS ingest is on. */
  secureIngestUrl: string | null;
  slateImages: SlateImageStore;
  /** PRISM_DESTINATION_ALLOW, checked on destination URLs with an IP literal host. */
  destinationPolicy: AddressPolicy;
  /** Recordings, clips and markers (issue #16), and each stream's recording settings. */
  recordings: RecordingsApi;
  preview: PreviewApi;
  log: Logger;
}

/** The preview of what Prism receives (routes/preview.ts). */
export interface PreviewApi {
  isLive(streamId: string): boolean;
  thumbnail(streamId: string): Promise<Thumbnail | null>;
  thumbnailRefreshSeconds: number;
  openLive(streamId: string): OpenPreview;
  maxViewersPerStream: number;
  queueLimitBytes: number;
  history(streamId: string): StreamBitrateHistory | null;
  historyIntervalMs: number;
}

export interface HttpSettings {
  /** Requests per token per minute; 0 turns the limit off. */
  rateLimitPerMinute: number;
  /** /metrics without a token (e.g. on a private network with a scraper that cannot send one). */
  metricsPublic: boolean;
  maxBodyBytes: number;
}
