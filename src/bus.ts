import { EventEmitter } from "node:events";
import type { OutputState } from "./core/output-state.js";
import type { SessionReport } from "./core/session-report.js";

/**
 * Every event that crosses a concern, with its payload. Relay, API, and later webhooks, metrics and
 * live feeds only know each other through these; a message broker can stand behind `emit`/`on`.
 */
export interface PrismEvents {
  /**
   * A broadcast session began: publish to final end, across publisher drops, the slate and encoder
   * switches. `sessionId` names it in every stream.* event until stream.ended.
   */
  /** `continued`: a node took the session over from one that died mid-broadcast; to a viewer it is the same broadcast, back. */
  "stream.started": { streamId: string; sessionId: string; name: string; at: string; continued?: true };
  "stream.ended": { streamId: string; sessionId: string; name: string; at: string; reason: string };
  /** The publisher dropped off; destinations stay connected on the slate until it returns or time runs out. */
  "stream.ingest_lost": { streamId: string; sessionId: string; name: string; at: string; reason: string; cause: "disconnected" | "stalled"; slateUntil: string };
  "stream.ingest_resumed": { streamId: string; sessionId: string; name: string; at: string };
  /** Destinations went from one encoder to the other (primary ↔ backup), at the new one's keyframe. */
  "stream.ingest_switched": { streamId: string; sessionId: string; name: string; at: string; from: "primary" | "backup"; to: "primary" | "backup"; reason: string };
  "destination.state": {
    streamId: string;
    destinationId: string;
    name: string;
    state: OutputState;
    previous: OutputState;
    lastError: string | null;
    /** The counters as src/core/destination-tally.ts defines them, at this change. */
    lastErrorAt: string | null;
    reconnects: number;
    attempt: number;
    at: string;
  };
  /**
   * A linked platform account can no longer be used until the streamer connects it again (its
   * refresh token was revoked or expired). Emitted by the OAuth layer (issue #5).
   */
  "account.needs_reconnect": { accountId: string; platform: string; displayName: string; reason: string; at: string };
  /**
   * One chat message of a live stream, once merged and deduplicated and only if moderation let it
   * through: automations must never echo a filtered message. Emitted by the comment feed (issue #6).
   */
  "comment.received": {
    id: string;
    streamId: string;
    platform: string;
    author: { id: string; name: string };
    text: string;
    sentAt: string;
    /** What it is: a plain chat message, or an engagement event (issue #17). Absent means "message". */
    kind?: CommentKind;
    /** Money or platform currency attached (Super Chat, cheer bits): value in whole units, ISO 4217 or "BITS". */
    amount?: { value: number; currency: string };
  };
  /**
   * One poll of a destination's live viewer count (issue #17): a count, or why there is none
   * ("hidden" by the owner, "not available" on that platform, an error while it backs off).
   */
  "audience.viewers": {
    streamId: string;
    sessionId: string;
    destinationId: string;
    platform: string;
    viewers: { count: number; at: string } | { unavailable: string };
    at: string;
  };
  /** A broadcast session ended (or was closed at start-up after a crash) and its report is stored (issue #17). */
  "session.report_ready": { report: SessionReport; at: string };
  /**
   * A scheduled event's timeline (issue #18). `event.started` is what starts a media source; a
   * "live" event starts when its publisher does.
   */
  "event.scheduled": ScheduledEventPayload;
  "event.starting_soon": ScheduledEventPayload;
  "event.started": ScheduledEventPayload;
  "event.cancelled": ScheduledEventPayload;
  "event.missed": ScheduledEventPayload & { reason: string };
  /**
   * Recordings (issue #16): a session's MP4 is ready (or could not be made), a clip is ready, and
   * recording paused (free disk below PRISM_RECORDINGS_MIN_FREE_MB) or resumed. Relaying never stops.
   */
  "recording.ready": RecordingPayload;
  "recording.failed": RecordingPayload & { reason: string };
  "recording.paused": { streamId: string; sessionId: string; recordingId: string; name: string; reason: string; freeBytes: number; at: string };
  "recording.resumed": { streamId: string; sessionId: string; recordingId: string; name: string; at: string };
  "clip.ready": {
    clipId: string;
    recordingId: string;
    streamId: string;
    name: string;
    title: string | null;
    startSec: number;
    endSec: number;
    durationSec: number;
    sizeBytes: number;
    precise: boolean;
    at: string;
  };
  /** Configuration written through the API; the relay reconciles live streams with it. */
  /** `input`: with key_rotated, the key that changed (its encoder is dropped, on whichever node the stream is live). */
  "config.stream": { streamId: string; change: "created" | "updated" | "deleted" | "key_rotated"; input?: "primary" | "backup" };
  "config.destinations": { streamId: string };
}

export interface RecordingPayload {
  recordingId: string;
  streamId: string;
  sessionId: string;
  name: string;
  startedAt: string;
  endedAt: string | null;
  durationSec: number | null;
  sizeBytes: number;
  /** The recording was made whole again at start after Prism stopped without finishing it. */
  repaired: boolean;
  at: string;
}

// Declared with the comment itself (core), where the platform readers can name it too.
export type { CommentKind } from "./core/chat-comment.js";
import type { CommentKind } from "./core/chat-comment.js";

export interface ScheduledEventPayload {
  eventId: string;
  streamId: string;
  title: string;
  startsAt: string;
  endsAt: string | null;
  source: { type: "live" } | { type: "media"; mediaId: string; loop: boolean };
  at: string;
}

export type EventName = keyof PrismEvents;

/**
 * Where an event came from, beside its payload (never inside it, so webhook payloads stay what they are). On one
 * node every event is local; in a cluster (src/cluster/bridge.ts) an event another node emitted is re-emitted
 * here with `remote` naming that node.
 */
export interface EventOrigin {
  remote?: { nodeId: string };
}

export interface ListenOptions {
  /**
   * Only events this node emitted: for subscribers that must act once per event cluster-wide (the webhook
   * outbox, the session recorder, recordings, chat readers, metrics counters) and for the bridge itself, so a
   * remote event is never sent back out.
   */
  localOnly?: boolean;
}

const LOCAL: EventOrigin = Object.freeze({});

export class EventBus {
  private readonly emitter = new EventEmitter();

  /** A failing subscriber is reported here and never breaks the emitter (e.g. the relay's packet path). */
  constructor(private readonly onListenerError: (event: EventName, err: unknown) => void = () => {}) {
    // Many subscribers (one per SSE client later) are normal here, not a leak.
    this.emitter.setMaxListeners(0);
  }

  emit<E extends EventName>(event: E, payload: PrismEvents[E]): void {
    this.emitter.emit(event, payload, LOCAL);
  }

  /** An event another node of the cluster emitted: heard by every subscriber except the `localOnly` ones. */
  emitRemote<E extends EventName>(event: E, payload: PrismEvents[E], fromNodeId: string): void {
    this.emitter.emit(event, payload, { remote: { nodeId: fromNodeId } } satisfies EventOrigin);
  }

  on<E extends EventName>(event: E, listener: (payload: PrismEvents[E], origin: EventOrigin) => void, options: ListenOptions = {}): () => void {
    const guarded = (payload: PrismEvents[E], origin: EventOrigin) => {
      if (options.localOnly && origin.remote) return;
      try {
        listener(payload, origin);
      } catch (err) {
        this.onListenerError(event, err);
      }
    };
    this.emitter.on(event, guarded);
    return () => this.emitter.off(event, guarded);
  }
}

/**
 * The bus as seen by a subscriber that must act once per event cluster-wide (webhook outbox, session recorder,
 * recordings, chat readers, audience pollers): it hears only what this node emitted. The same as the bus on one node.
 */
export function localEvents(bus: EventBus): Pick<EventBus, "on"> {
  return { on: (event, listener, options = {}) => bus.on(event, listener, { ...options, localOnly: true }) };
}
