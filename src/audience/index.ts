import type { Registry } from "prom-client";
import type { EventBus } from "../bus.js";
import type { Logger } from "../log.js";
import type { ViewerReading } from "../destinations/viewer-types.js";
import { viewerMetrics } from "./metrics.js";
import { pollViewers } from "./poller.js";
import type { DestinationViewers, ViewerSource, ViewerSources } from "./types.js";

export type { DestinationViewers, ViewerSource, ViewerSources } from "./types.js";

/** What the API may ask about a live stream's audience. */
export interface AudienceApi {
  /** A destination's last reading while its stream is live; null otherwise. */
  viewers(streamId: string, destinationId: string): DestinationViewers | null;
  /** The counts of the stream's destinations added up (the newest read's time); null when none has a count. */
  total(streamId: string): { count: number; at: string } | null;
}

export interface Audience {
  api: AudienceApi;
  instrument(registry: Registry): void;
  start(): void;
  stop(): void;
}

interface LiveAudience {
  sessionId: string;
  controller: AbortController;
  latest: Map<string, { platform: string; viewers: DestinationViewers }>;
}

/**
 * Live viewer counts (issue #17): one poller per enabled destination of each live stream, each at
 * its platform's own pace (poller.ts). Every reading is kept for health and metrics and emitted as
 * `audience.viewers`; a destination that can have no count says why once, at go-live.
 */
export function createAudience(deps: { bus: EventBus; sources: ViewerSources; log: Logger }): Audience {
  const live = new Map<string, LiveAudience>();
  const unsubscribe: Array<() => void> = [];

  const record = (streamId: string, state: LiveAudience, destinationId: string, platform: string, reading: ViewerReading) => {
    const at = new Date().toISOString();
    const viewers: DestinationViewers = "count" in reading ? { count: reading.count, at, ...(reading.totalViews !== undefined && { totalViews: reading.totalViews }) } : reading;
    state.latest.set(destinationId, { platform, viewers });
    deps.bus.emit("audience.viewers", {
      streamId,
      sessionId: state.sessionId,
      destinationId,
      platform,
      viewers: "count" in viewers ? { count: viewers.count, at } : { unavailable: viewers.unavailable },
      at,
    });
  };

  const begin = (streamId: string, sessionId: string) => {
    const previous = live.get(streamId);
    previous?.controller.abort();
    const state: LiveAudience = { sessionId, controller: new AbortController(), latest: new Map() };
    live.set(streamId, state);
    const log = deps.log.child({ stream: streamId });
    void Promise.resolve(deps.sources.forStream(streamId))
      .then((sources) => {
        // Ended, or begun again over a newer list, while the sources were looked up.
        if (!state.controller.signal.aborted) poll(streamId, state, previous, sources, log);
      })
      .catch((err: unknown) => log.error({ err }, "could not find what reads the stream's viewer counts"));
  };

  const poll = (streamId: string, state: LiveAudience, previous: LiveAudience | undefined, sources: ViewerSource[], log: Logger) => {
    for (const source of sources) {
      // A destination changed while live keeps its last reading until its poller reads again.
      const kept = previous?.latest.get(source.destinationId);
      if (kept) state.latest.set(source.destinationId, kept);
      if ("unavailable" in source.reader) {
        record(streamId, state, source.destinationId, source.platform, source.reader);
        continue;
      }
      const report = (reading: ViewerReading) => record(streamId, state, source.destinationId, source.platform, reading);
      void pollViewers(source.reader, report, state.controller.signal, log.child({ platform: source.platform, destination: source.destinationId }));
    }
  };

  const end = (streamId: string) => {
    live.get(streamId)?.controller.abort();
    live.delete(streamId);
  };

  const api: AudienceApi = {
    viewers: (streamId, destinationId) => live.get(streamId)?.latest.get(destinationId)?.viewers ?? null,
    total(streamId) {
      let count = 0;
      let at = "";
      let counted = false;
      for (const { viewers } of live.get(streamId)?.latest.values() ?? []) {
        if (!("count" in viewers)) continue;
        counted = true;
        count += viewers.count;
        if (viewers.at > at) at = viewers.at;
      }
      return counted ? { count, at } : null;
    },
  };

  return {
    api,
    instrument(registry) {
      viewerMetrics(registry, () => {
        const byPlatform = new Map<string, number>();
        for (const state of live.values()) {
          for (const { platform, viewers } of state.latest.values()) if ("count" in viewers) byPlatform.set(platform, (byPlatform.get(platform) ?? 0) + viewers.count);
        }
        return byPlatform;
      });
    },
    start() {
      unsubscribe.push(
        // Pollers run on the stream's owner; a destination change from any node reaches them below.
        deps.bus.on("stream.started", ({ streamId, sessionId }) => begin(streamId, sessionId), { localOnly: true }),
        deps.bus.on("stream.ended", ({ streamId }) => end(streamId), { localOnly: true }),
        // A destination added, enabled or disabled while live: its stream's pollers start again over the new list.
        deps.bus.on("config.destinations", ({ streamId }) => {
          const state = live.get(streamId);
          if (state) begin(streamId, state.sessionId);
        }),
      );
    },
    stop() {
      for (const off of unsubscribe.splice(0)) off();
      for (const streamId of [...live.keys()]) end(streamId);
    },
  };
}
