import type { OutputState } from "../core/output-state.js";
import { MAX_OUTAGES, MAX_WARNINGS, type DestinationReport } from "../core/session-report.js";

/** One destination's history in a session, from destination.state timestamps; plain data so it can be stored and restored. */
export interface DestinationTrack {
  name: string;
  platform: string;
  state: OutputState;
  liveSince: number | null;
  liveMs: number;
  everLive: boolean;
  /** Dropped (left live for anything but a stop) and not back yet. */
  downSince: number | null;
  reconnects: number;
  longestOutageMs: number;
  outages: Array<{ from: number; to: number }>;
  warnings: string[];
  /** bytesOut of earlier outputs (a destination reconfigured mid-session gets a new one) plus the last seen. */
  bytesBase: number;
  bytesLast: number;
}

// Stopped or idle: the destination was turned off or the stream is ending, not an outage.
const DOWN: ReadonlySet<OutputState> = new Set(["connecting", "reconnecting", "failed"]);

export function newTrack(name: string, platform: string): DestinationTrack {
  return { name, platform, state: "idle", liveSince: null, liveMs: 0, everLive: false, downSince: null, reconnects: 0, longestOutageMs: 0, outages: [], warnings: [], bytesBase: 0, bytesLast: 0 };
}

export function applyState(track: DestinationTrack, state: OutputState, at: number, lastError: string | null): void {
  if (lastError) addWarning(track, lastError);
  if (state === track.state) return;
  if (track.liveSince !== null) {
    track.liveMs += Math.max(0, at - track.liveSince);
    track.liveSince = null;
  }
  if (state === "live") {
    if (track.downSince !== null) track.reconnects += 1;
    endOutage(track, at);
    track.liveSince = at;
    track.everLive = true;
  } else if (track.state === "live" && DOWN.has(state)) {
    track.downSince = at;
  } else if (!DOWN.has(state)) {
    endOutage(track, at);
  }
  track.state = state;
}

function endOutage(track: DestinationTrack, at: number): void {
  if (track.downSince === null) return;
  const ms = Math.max(0, at - track.downSince);
  track.longestOutageMs = Math.max(track.longestOutageMs, ms);
  if (track.outages.length < MAX_OUTAGES) track.outages.push({ from: track.downSince, to: at });
  track.downSince = null;
}

export function addWarning(track: DestinationTrack, warning: string): void {
  if (track.warnings.length < MAX_WARNINGS && !track.warnings.includes(warning)) track.warnings.push(warning.slice(0, 500));
}

export function recordBytes(track: DestinationTrack, bytesOut: number): void {
  // A smaller count is a new output (the destination was reconfigured): keep what the old one sent.
  if (bytesOut < track.bytesLast) track.bytesBase += track.bytesLast;
  track.bytesLast = bytesOut;
}

/** Was the destination down at any moment in [from, to]? */
export function downDuring(track: DestinationTrack, from: number): boolean {
  return track.downSince !== null || track.outages.some((o) => o.to >= from);
}

/** The report of a track as of `at` (the session's end, or now while live), over a session of `sessionMs`. */
export function destinationReport(id: string, track: DestinationTrack, at: number, sessionMs: number): DestinationReport {
  const liveMs = track.liveMs + (track.liveSince === null ? 0 : Math.max(0, at - track.liveSince));
  const outages = track.downSince === null ? track.outages : [...track.outages, { from: track.downSince, to: at }].slice(0, MAX_OUTAGES);
  const longestMs = Math.max(track.longestOutageMs, track.downSince === null ? 0 : at - track.downSince);
  const bytes = track.bytesBase + track.bytesLast;
  return {
    id,
    name: track.name,
    platform: track.platform,
    uptimePct: sessionMs > 0 ? Math.round((1000 * Math.min(liveMs, sessionMs)) / sessionMs) / 10 : 0,
    reconnects: track.reconnects,
    longestOutageSec: round1(longestMs / 1000),
    avgBitrateKbps: liveMs > 0 && bytes > 0 ? Math.round((bytes * 8) / liveMs) : null,
    warnings: [...track.warnings],
    outages: outages.map((o) => ({ from: new Date(o.from).toISOString(), to: new Date(o.to).toISOString(), sec: round1((o.to - o.from) / 1000) })),
  };
}

export const round1 = (n: number) => Math.round(n * 10) / 10;
