import type { Logger } from "pino";
import type { EventBus, ScheduledEventPayload } from "../bus.js";
import { publishVideoFile, type FilePublisher } from "../media/video-file.js";
import type { MediaLibrary } from "./library.js";

/** What the player needs from the relay: where to publish, and who publishes now. */
export interface MediaIngest {
  mediaPublishUrl(streamKey: string): string;
  isLive(streamId: string): boolean;
  publisherOf(streamId: string): "encoder" | "media" | null;
}

export interface PlaybackRequest {
  /** The scheduled event that plays the file (one playback per event). */
  eventId: string;
  streamId: string;
  mediaId: string;
  /** Repeat the file until endsAt (or until stopped). */
  loop: boolean;
  /** ISO 8601; the stream ends then even if the file has not. null: at the file's end. */
  endsAt: string | null;
}

/** Why a playback ended. */
export type PlaybackEnd =
  | { outcome: "finished"; reason: string }
  | { outcome: "stopped"; reason: string }
  | { outcome: "handed_over"; reason: string }
  | { outcome: "failed"; reason: string };

export type PlaybackStart = { ok: true; ended: Promise<PlaybackEnd> } | { ok: false; reason: string };

interface Playback {
  request: PlaybackRequest;
  publisher: FilePublisher;
  endsAtTimer: NodeJS.Timeout | null;
  stopReason: string | null;
}

/** setTimeout's longest delay; a later endsAt re-arms on the way. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Plays uploaded files into streams as if OBS published them: ffmpeg reads the file in real time
 * and publishes it to Prism's own ingest with the stream's key, marked as the media player, so
 * destinations, titles, chat readers and the broadcast session all start as for OBS, and OBS
 * publishing the key takes over (the relay cuts the player at OBS's first keyframe).
 */
export class MediaPlayer {
  private readonly playing = new Map<string, Playback>();
  private readonly unsubscribe: Array<() => void> = [];
  /** Set by stopAll(): a start still checking its file when Prism shuts down must not go on (the database closes). */
  private stopped = false;

  constructor(
    private readonly deps: {
      library: MediaLibrary;
      ingest: MediaIngest;
      /** The stream's primary key, or undefined if there is no such stream. */
      streamKeyOf(streamId: string): Promise<string | undefined>;
      bus: EventBus;
      log: Logger;
    },
  ) {}

  /** Plays media-source events when the scheduler starts them; stops them when they are cancelled. */
  start(): void {
    this.stopped = false;
    this.unsubscribe.push(
      this.deps.bus.on("event.started", (event) =>
        void this.startEvent(event).catch((err: Error) => this.deps.log.error({ eventId: event.eventId, err }, "starting a scheduled media event failed")),
      ),
      this.deps.bus.on("event.cancelled", ({ eventId }) => this.stop(eventId, "the event was cancelled")),
    );
  }

  stopAll(): void {
    this.stopped = true;
    for (const off of this.unsubscribe.splice(0)) off();
    for (const eventId of [...this.playing.keys()]) this.stop(eventId, "server shutting down");
  }

  /** The event playing this media file now, if any. */
  playingMedia(mediaId: string): PlaybackRequest | null {
    for (const { request } of this.playing.values()) if (request.mediaId === mediaId) return request;
    return null;
  }

  /** Starts playing; refuses (with the reason) when the file or stream is gone or the stream is already live. */
  async play(request: PlaybackRequest): Promise<PlaybackStart> {
    const refuse = (reason: string): PlaybackStart => ({ ok: false, reason });
    const { library, ingest, log } = this.deps;
    if (this.playing.has(request.eventId)) return refuse("This event is already playing its file.");
    const file = await library.get(request.mediaId);
    if (!file) return refuse(`Media file ${request.mediaId} no longer exists (it was deleted); pick another file for the event.`);
    if (!(await library.present(file))) return refuse(`Media file ${request.mediaId} ("${file.name}") is missing from the media directory; upload it again.`);
    if (this.stopped) return refuse("Prism is shutting down.");
    const streamKey = await this.deps.streamKeyOf(request.streamId);
    if (!streamKey) return refuse(`Stream ${request.streamId} no longer exists.`);
    if (ingest.isLive(request.streamId) || [...this.playing.values()].some((p) => p.request.streamId === request.streamId)) {
      return refuse("The stream is already live (its encoder or another file is publishing); the file was not played.");
    }
    const untilEnd = request.endsAt === null ? null : Date.parse(request.endsAt) - Date.now();
    if (untilEnd !== null && !(untilEnd > 0)) return refuse(`The event's end (${request.endsAt}) has already passed.`);

    let settle!: (end: PlaybackEnd) => void;
    const ended = new Promise<PlaybackEnd>((resolve) => (settle = resolve));
    const publisher = publishVideoFile(
      { file: library.pathOf(file), url: ingest.mediaPublishUrl(streamKey), loop: request.loop, encodeVideo: file.video.codec !== "h264", audio: file.audio !== null },
      (err) => settle(this.ended(request.eventId, err)),
    );
    const playback: Playback = { request, publisher, endsAtTimer: null, stopReason: null };
    this.playing.set(request.eventId, playback);
    if (untilEnd !== null) this.armEnd(playback, Date.parse(request.endsAt!));
    log.info({ eventId: request.eventId, streamId: request.streamId, mediaId: file.id, loop: request.loop, endsAt: request.endsAt }, "playing a media file into the stream");
    return { ok: true, ended };
  }

  /** Stops a playback (the stream ends as when OBS stops streaming); false if the event plays nothing. */
  stop(eventId: string, reason: string): boolean {
    const playback = this.playing.get(eventId);
    if (!playback) return false;
    playback.stopReason ??= reason;
    playback.publisher.stop();
    return true;
  }

  private armEnd(playback: Playback, endsAt: number): void {
    const delay = Math.min(Math.max(endsAt - Date.now(), 0), MAX_TIMER_MS);
    playback.endsAtTimer = setTimeout(() => {
      if (Date.now() < endsAt) return this.armEnd(playback, endsAt);
      this.stop(playback.request.eventId, "the event's end time was reached");
    }, delay);
    playback.endsAtTimer.unref();
  }

  private ended(eventId: string, err: Error | null): PlaybackEnd {
    const playback = this.playing.get(eventId)!;
    this.playing.delete(eventId);
    if (playback.endsAtTimer) clearTimeout(playback.endsAtTimer);
    const { streamId } = playback.request;
    const end: PlaybackEnd =
      playback.stopReason !== null
        ? { outcome: "stopped", reason: playback.stopReason }
        : err === null
          ? { outcome: "finished", reason: "the file ended" }
          : this.deps.ingest.publisherOf(streamId) === "encoder"
            ? { outcome: "handed_over", reason: "the streamer's encoder took over" }
            : { outcome: "failed", reason: `ffmpeg stopped playing the file: ${err.message}` };
    this.deps.log[end.outcome === "failed" ? "warn" : "info"]({ eventId, streamId, mediaId: playback.request.mediaId, ...end }, "media playback ended");
    return end;
  }

  /** event.started of a media-source event: play it, or say on the bus why it cannot be. */
  private async startEvent(event: ScheduledEventPayload): Promise<void> {
    // Already playing: the scheduler called play() itself as well; one playback per event.
    if (event.source.type !== "media" || this.playing.has(event.eventId)) return;
    const { mediaId, loop } = event.source;
    const started = await this.play({ eventId: event.eventId, streamId: event.streamId, mediaId, loop, endsAt: event.endsAt });
    // Shutting down: the event is left started, and the next start-up marks it ended ("Prism restarted during the event").
    if (started.ok || this.stopped) return;
    this.deps.log.warn({ eventId: event.eventId, streamId: event.streamId, mediaId, reason: started.reason }, "a scheduled media event could not start");
    this.deps.bus.emit("event.missed", { ...event, at: new Date().toISOString(), reason: started.reason });
  }
}
