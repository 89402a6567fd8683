import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { EventBus } from "../bus.js";
import type { LiveStreamSnapshot } from "../relay/relay.js";
import type { DestinationTranscode } from "../relay/transcode/transcoding.js";
import { OUTPUT_STATES } from "./states.js";

/** Where live figures come from at scrape time. */
export interface LiveSource {
  liveStreams(): LiveStreamSnapshot[];
  /** Copy or transcode, with the transcoding ffmpeg's figures; undefined when the destination is not running. */
  destinationTranscode(streamId: string, destinationId: string): DestinationTranscode | undefined;
}

/**
 * How often prom-client's event-loop monitor (Node's monitorEventLoopDelay) samples, ms. Each sample is
 * the whole time between two of its timer's runs, so nodejs_eventloop_lag_*_seconds read this much
 * above the real delay (an idle Prism shows p99 ≈ 20.9 ms): subtract it, as eventLoopDelaySeconds does.
 */
export const EVENT_LOOP_SAMPLE_MS = 20;

/** Counters count what happened on this node: another node's events (in a cluster) are its own to count. */
const LOCAL = { localOnly: true } as const;

/** The real event-loop delay in one of prom-client's nodejs_eventloop_lag_*_seconds figures (min, mean, pNN, max). */
export function eventLoopDelaySeconds(lagSeconds: number): number {
  return Math.max(0, lagSeconds - EVENT_LOOP_SAMPLE_MS / 1000);
}

export interface Metrics {
  registry: Registry;
  /** The exposition text, every gauge read from one fresh snapshot of the relay. */
  scrape(): Promise<string>;
  /** Feeds the HTTP histogram; `route` is the route pattern (never a raw path, which may hold ids or tokens). */
  observeHttp(method: string, route: string, status: number, seconds: number): void;
  close(): void;
}

/**
 * Prometheus metrics. Gauges are read from the relay's snapshot when Prometheus scrapes (nothing is
 * sampled in between); counters of things that happen (starts, reconnects, failures) are fed by bus
 * events. Labels are stream and destination names plus their ids, so two destinations called "Main"
 * never merge; stream keys are never anywhere near a label.
 *
 * Webhook delivery metrics and comment metrics are registered on this registry by their own features
 * (src/webhooks/metrics.ts, src/comments/metrics.ts).
 */
export function createMetrics(source: LiveSource, bus: EventBus, options: { node?: string | undefined } = {}): Metrics {
  const registry = new Registry();
  // In a cluster every node is scraped on its own: each series says which node it is from.
  if (options.node) registry.setDefaultLabels({ node: options.node });
  // The event-loop delay histogram (nodejs_eventloop_lag_*, reset at each scrape) samples every
  // 20 ms instead of prom-client's 10: its timer was all an idle Prism woke up for, 100 times a second.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });

  // One snapshot per scrape, so every gauge below reads the same instant.
  let snapshot: LiveStreamSnapshot[] | undefined;
  const live = () => (snapshot ??= source.liveStreams());

  const streamLabels = ["stream", "stream_id"] as const;
  const destLabels = ["stream", "stream_id", "destination", "destination_id"] as const;
  const dest = (s: LiveStreamSnapshot, o: LiveStreamSnapshot["outputs"][number]) => ({ stream: s.name, stream_id: s.id, destination: o.name, destination_id: o.id });

  new Gauge({
    name: "prism_streams_live",
    help: "Streams with a publisher right now",
    registers: [registry],
    collect() {
      this.set(live().length);
    },
  });
  const perStream = (name: string, help: string, value: (s: LiveStreamSnapshot) => number) =>
    new Gauge({
      name,
      help,
      labelNames: streamLabels,
      registers: [registry],
      collect() {
        this.reset();
        for (const s of live()) this.set({ stream: s.name, stream_id: s.id }, value(s));
      },
    });
  perStream("prism_ingest_bitrate_bits_per_second", "Bitrate arriving from the publisher (OBS)", (s) => s.ingest.bitrateKbps * 1000);
  perStream("prism_ingest_frames_per_second", "Video frames per second arriving from the publisher", (s) => s.ingest.fps);
  perStream("prism_ingest_uptime_seconds", "How long the publisher has been live", (s) => s.ingest.uptimeMs / 1000);

  new Gauge({
    name: "prism_destination_state",
    help: `1 for the state each destination of a live stream is in (${OUTPUT_STATES.join(", ")}), 0 for the others`,
    labelNames: [...destLabels, "state"],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of live()) for (const o of s.outputs) for (const state of OUTPUT_STATES) this.set({ ...dest(s, o), state }, o.health.state === state ? 1 : 0);
    },
  });
  const perDestination = (name: string, help: string, value: (h: LiveStreamSnapshot["outputs"][number]["health"]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: destLabels,
      registers: [registry],
      collect() {
        this.reset();
        for (const s of live()) for (const o of s.outputs) this.set(dest(s, o), value(o.health));
      },
    });
  perDestination("prism_destination_bitrate_bits_per_second", "Bitrate sent to the destination", (h) => h.bitrateKbps * 1000);
  perDestination("prism_destination_queued_bytes", "Bytes waiting for a slow destination", (h) => h.queuedBytes);
  perDestination("prism_destination_uptime_seconds", "How long the destination has been live without a break", (h) => h.uptimeMs / 1000);
  new Counter({
    name: "prism_destination_sent_bytes_total",
    help: "Bytes sent to the destination during the current run of its stream (restarts from 0 with each run, as a counter reset)",
    labelNames: destLabels,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of live()) for (const o of s.outputs) this.inc(dest(s, o), o.health.bytesOut);
    },
  });
  // The counters of src/core/destination-tally.ts, read from the relay like the API health reads them.
  new Counter({
    name: "prism_destination_reconnects_total",
    help: "Drops after which the destination came back, during the current run of its stream (the API health's reconnects)",
    labelNames: destLabels,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of live()) for (const o of s.outputs) this.inc(dest(s, o), o.health.reconnects);
    },
  });
  perDestination("prism_destination_retry_attempt", "Retry number within the destination's current outage (the API health's attempt); 0 when not reconnecting", (h) => h.attempt);

  // Transcoding destinations: the ffmpeg that serves them (shared by destinations with equal profiles).
  const transcodes = () =>
    live().flatMap((s) =>
      s.outputs.flatMap((o) => {
        const t = source.destinationTranscode(s.id, o.id);
        return t ? [{ labels: dest(s, o), t }] : [];
      }),
    );
  new Gauge({
    name: "prism_destination_transcoding",
    help: "1 when Prism re-encodes for this destination, 0 when it relays a copy (or is still measuring the ingest)",
    labelNames: destLabels,
    registers: [registry],
    collect() {
      this.reset();
      for (const { labels, t } of transcodes()) this.set(labels, t.mode === "transcode" ? 1 : 0);
    },
  });
  new Gauge({
    name: "prism_transcoder_speed_ratio",
    help: "How fast the transcoding ffmpeg runs against real time (below 1 it cannot keep up)",
    labelNames: destLabels,
    registers: [registry],
    collect() {
      this.reset();
      for (const { labels, t } of transcodes()) if (t.mode === "transcode" && t.speed !== undefined) this.set(labels, t.speed);
    },
  });
  new Counter({
    name: "prism_transcoder_restarts_total",
    help: "Times the transcoding ffmpeg died or fell behind and was restarted, during the current run of the stream",
    labelNames: destLabels,
    registers: [registry],
    collect() {
      this.reset();
      for (const { labels, t } of transcodes()) if (t.mode === "transcode") this.inc(labels, t.restarts ?? 0);
    },
  });
  new Counter({
    name: "prism_transcoder_dropped_frames_total",
    help: "Frames the transcoding ffmpeg dropped during the current run of the stream",
    labelNames: destLabels,
    registers: [registry],
    collect() {
      this.reset();
      for (const { labels, t } of transcodes()) if (t.mode === "transcode") this.inc(labels, t.droppedFrames ?? 0);
    },
  });

  // Counters of events: they keep counting across runs of a stream.
  const streamStarts = new Counter({ name: "prism_stream_starts_total", help: "Times a publisher went live", labelNames: streamLabels, registers: [registry] });
  const failures = new Counter({
    name: "prism_destination_failures_total",
    help: "Times a destination failed for good (e.g. the platform refused the stream key)",
    labelNames: destLabels,
    registers: [registry],
  });
  const ingestSwitches = new Counter({
    name: "prism_ingest_switches_total",
    help: "Times destinations went from one encoder to the other (primary ↔ backup)",
    labelNames: [...streamLabels, "from", "to"],
    registers: [registry],
  });
  const http = new Histogram({
    name: "prism_http_request_duration_seconds",
    help: "API request duration, by route pattern",
    labelNames: ["method", "route", "status"],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });

  const streamNames = new Map<string, string>();
  const unsubscribe = [
    bus.on("stream.started", ({ streamId, name }) => {
      streamNames.set(streamId, name);
      streamStarts.inc({ stream: name, stream_id: streamId });
    }, LOCAL),
    bus.on("stream.ingest_switched", ({ streamId, name, from, to }) => ingestSwitches.inc({ stream: name, stream_id: streamId, from, to }), LOCAL),
    bus.on("destination.state", ({ streamId, destinationId, name, state, previous }) => {
      const labels = { stream: streamNames.get(streamId) ?? "", stream_id: streamId, destination: name, destination_id: destinationId };
      if (state === "failed" && previous !== "failed") failures.inc(labels);
    }, LOCAL),
  ];

  return {
    registry,
    scrape: async () => {
      snapshot = undefined;
      try {
        return await registry.metrics();
      } finally {
        snapshot = undefined;
      }
    },
    observeHttp: (method, route, status, seconds) => http.observe({ method, route, status: String(status) }, seconds),
    close: () => {
      for (const off of unsubscribe) off();
      registry.clear();
    },
  };
}
