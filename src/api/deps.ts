import type { EventBus } from "../bus.js";
import type { StreamsRepo } from "../db/streams-repo.js";
import type { DestinationsRepo } from "../db/destinations-repo.js";
import type { HubSource, IngestHealth } from "../relay/hub.js";
import type { OutputHealth } from "../relay/output.js";
import type { LiveStreamSnapshot } from "../relay/relay.js";
import type { Logger } from "../log.js";

/** What the API may ask the relay: read-only views; changes go through the store and the bus. */
export interface RelayView {
  isLive(streamId: string): boolean;
  ingestHealth(streamId: string): IngestHealth | null;
  outputHealth(streamId: string, destinationId: string): OutputHealth | undefined;
  liveStreams(): LiveStreamSnapshot[];
  ingestSource(streamId: string): { source: HubSource; slateUntil: string | null } | null;
}

export interface ApiDeps {
  streams: StreamsRepo;
  destinations: DestinationsRepo;
  relay: RelayView;
  bus: EventBus;
  adminToken: string;
  /** The OBS server URL, e.g. rtmp://host:1935/live. */
  ingestUrl: string;
  log: Logger;
}
