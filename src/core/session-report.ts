import type { OutputState } from "./output-state.js";

/**
 * A broadcast session's report (issue #17): what the recorder keeps when a session ends and what
 * GET /sessions/:sessionId, report.csv and the session.report_ready event carry. Durations come
 * from event timestamps (exact); averages of viewers from the series' buckets.
 */
export interface SessionReport {
  id: string;
  streamId: string;
  streamName: string;
  startedAt: string;
  /** null while the session is still live (the report so far). */
  endedAt: string | null;
  /** Why it ended, as stream.ended said; "Prism stopped unexpectedly" for a session closed at start-up. */
  endReason: string | null;
  durationSec: number;
  /** Time the destinations were shown the slate (the publisher away). */
  slateSec: number;
  /** Encoder switches (primary ↔ backup). */
  switches: number;
  destinations: DestinationReport[];
  viewers: ViewersReport;
  chat: ChatReport;
  engagement: EngagementReport;
}

export interface DestinationReport {
  id: string;
  name: string;
  platform: string;
  /** Share of the session the destination was live, in percent (one decimal). */
  uptimePct: number;
  /** Times it came back live after dropping. */
  reconnects: number;
  longestOutageSec: number;
  /** Bytes sent while live over the time live; null if it never went live. */
  avgBitrateKbps: number | null;
  /** Distinct errors and platform-rule warnings seen (at most MAX_WARNINGS). */
  warnings: string[];
  /** Each outage (not live after having been live, or never live at all), at most MAX_OUTAGES. */
  outages: Array<{ from: string; to: string; sec: number }>;
}

export interface PlatformViewers {
  /** null when the platform gave no count at all during the session. */
  peak: number | null;
  peakAt: string | null;
  average: number | null;
  /** Why no count came ("hidden", "not available"…), when none did. */
  unavailable?: string;
}

export interface ViewersReport {
  /** Peak of the total across platforms (counts summed at each poll). */
  peak: number | null;
  peakAt: string | null;
  byPlatform: Record<string, PlatformViewers>;
}

export interface ChatReport {
  messages: number;
  uniqueChatters: number;
  byPlatform: Record<string, { messages: number; uniqueChatters: number }>;
}

export interface EngagementReport {
  /** Engagement events (anything but a plain message). */
  events: number;
  byKind: Record<string, number>;
  /** Total amounts by currency (ISO 4217, or "BITS"). */
  amounts: Record<string, number>;
  byPlatform: Record<string, { events: number; amounts: Record<string, number> }>;
}

/** One bucket of the series (a minute by default). */
export interface SessionMinute {
  /** Index of the bucket from the session's start. */
  index: number;
  /** End of the bucket (or the session's end, for the last one). */
  at: string;
  ingest: { bitrateKbps: number; fps: number; source: string } | null;
  /** Seconds of the bucket the destinations were shown the slate. */
  slateSec: number;
  destinations: Record<string, { state: OutputState; bitrateKbps: number }>;
  /** Viewers per platform at the end of the bucket (platforms with a count only). */
  viewers: Record<string, number>;
  chat: Record<string, number>;
  engagement: Record<string, number>;
  /** Destinations that were not live at some moment of the bucket. */
  outages: string[];
}

export const MAX_WARNINGS = 10;
export const MAX_OUTAGES = 100;
