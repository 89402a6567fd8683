import type { EventBus } from "../bus.js";
import type { Logger } from "../log.js";
import type { Announcement, EventSource, ScheduledEvent } from "../db/scheduled-events-repo.js";
import type { ScheduledEventsStore, StreamsStore } from "../db/store.js";
import type { EventAnnouncements } from "../oauth/index.js";
import { Announcer } from "./announcer.js";
import { payloadOf, Scheduler, type SchedulerSettings } from "./scheduler.js";

export type { ScheduledEvent, Announcement, EventSource };

/** Events still scheduled on one stream at once: each holds timers, so a token cannot make Prism hold millions. */
export const MAX_SCHEDULED_PER_STREAM = 100;

/** A request the schedule cannot take, with the HTTP status and code the API answers it with. */
export class ScheduleError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ScheduleError";
  }
}

export interface EventInput {
  title: string;
  description?: string | null | undefined;
  startsAt: Date;
  endsAt?: Date | null | undefined;
  source?: EventSource | undefined;
}

export interface ScheduleApi {
  list(streamId: string): Promise<Array<ScheduledEvent & { announcements: Announcement[] }>>;
  get(eventId: string): Promise<(ScheduledEvent & { announcements: Announcement[] }) | undefined>;
  create(streamId: string, input: EventInput): Promise<ScheduledEvent & { announcements: Announcement[] }>;
  update(eventId: string, patch: Partial<EventInput>): Promise<ScheduledEvent & { announcements: Announcement[] }>;
  cancel(eventId: string): Promise<ScheduledEvent & { announcements: Announcement[] }>;
  /** Starts a scheduled event now (the start-event action). */
  startNow(eventId: string): Promise<ScheduledEvent & { announcements: Announcement[] }>;
  /** Events still to start whose source is this uploaded video (it must not be deleted under them); one playing it is the player's to tell. */
  namingMedia(mediaId: string): Promise<ScheduledEvent[]>;
}

export interface Schedule {
  api: ScheduleApi;
  /** For go-lives: the event a go-live of the stream falls in now, and what the account's platform made of it. */
  scheduledFor(streamId: string, accountId: string): Promise<{ eventId: string; externalId: string } | undefined>;
  /** Arms what is ahead and settles what passed while Prism was down. */
  start(): Promise<void>;
  stop(): void;
}

/**
 * Scheduled events (issue #18): the store, each platform's announcement of them, and their timeline
 * on the bus (event.scheduled, starting_soon, started, cancelled, missed).
 */
export function createSchedule(deps: {
  store: { scheduledEvents: ScheduledEventsStore; streams: StreamsStore };
  bus: EventBus;
  announcements: EventAnnouncements;
  isLive(streamId: string): boolean;
  /**
   * Why a source cannot be used (e.g. a media file that does not exist), or null. The API checks a
   * mediaId's form only; the media library answers whether the file is there.
   */
  checkSource?(source: EventSource): Promise<string | null>;
  settings: SchedulerSettings;
  log: Logger;
}): Schedule {
  const repo = deps.store.scheduledEvents;
  const announcer = new Announcer(repo, deps.announcements);
  const scheduler = new Scheduler({ repo, bus: deps.bus, isLive: deps.isLive, settings: deps.settings, log: deps.log });
  const withAnswers = async (event: ScheduledEvent) => ({ ...event, announcements: await repo.announcements(event.id) });
  const found = async (eventId: string) => {
    const event = await repo.get(eventId);
    if (!event) throw new ScheduleError(404, "not_found", `No scheduled event ${eventId}: list a stream's events with GET /api/v1/streams/:id/events.`);
    return event;
  };
  const usable = async (source: EventSource | undefined) => {
    const why = source && (await deps.checkSource?.(source));
    if (why) throw new ScheduleError(400, "bad_source", why);
  };
  const notScheduled = (event: ScheduledEvent, doing: string) =>
    new ScheduleError(409, "event_not_scheduled", `The event is ${event.status}; only an event still scheduled can be ${doing}.`);
  const stillScheduled = (event: ScheduledEvent, doing: string) => {
    if (event.status !== "scheduled") throw notScheduled(event, doing);
  };

  const api: ScheduleApi = {
    list: async (streamId) => Promise.all((await repo.list(streamId)).map(withAnswers)),
    get: async (eventId) => {
      const event = await repo.get(eventId);
      return event && withAnswers(event);
    },

    async create(streamId, input) {
      if (!(await deps.store.streams.get(streamId))) throw new ScheduleError(404, "not_found", "Stream not found.");
      if ((await repo.list(streamId)).filter((e) => e.status === "scheduled").length >= MAX_SCHEDULED_PER_STREAM) {
        throw new ScheduleError(409, "too_many_events", `This stream already has ${MAX_SCHEDULED_PER_STREAM} events scheduled, the most it may have: cancel some first.`);
      }
      checkTimes(input.startsAt, input.endsAt ?? null);
      await usable(input.source);
      const event = await repo.create({
        streamId,
        title: input.title,
        description: input.description ?? null,
        startsAt: input.startsAt,
        endsAt: input.endsAt ?? null,
        source: input.source ?? { type: "live" },
      });
      deps.bus.emit("event.scheduled", payloadOf(event));
      scheduler.arm(event);
      await announcer.announce(event);
      return withAnswers((await repo.get(event.id))!);
    },

    async update(eventId, patch) {
      const event = await found(eventId);
      stillScheduled(event, "changed");
      const startsAt = patch.startsAt ?? event.startsAt;
      const endsAt = patch.endsAt === undefined ? event.endsAt : patch.endsAt;
      if (patch.startsAt !== undefined || patch.endsAt !== undefined) checkTimes(startsAt, endsAt, patch.startsAt === undefined);
      await usable(patch.source);
      const moved = patch.startsAt !== undefined && patch.startsAt.getTime() !== event.startsAt.getTime();
      const updated = (await repo.update(eventId, {
        ...(patch.title !== undefined && { title: patch.title }),
        ...(patch.description !== undefined && { description: patch.description }),
        ...(patch.source !== undefined && { source: patch.source }),
        startsAt,
        endsAt,
        // Moved: starting_soon is due again before the new time.
        ...(moved && { soonSentAt: null }),
      }))!;
      deps.bus.emit("event.scheduled", payloadOf(updated));
      scheduler.arm(updated);
      await announcer.announce(updated);
      return withAnswers((await repo.get(eventId))!);
    },

    async cancel(eventId) {
      const event = await found(eventId);
      stillScheduled(event, "cancelled");
      scheduler.disarm(eventId);
      // A scheduler (maybe another node's) may start it meanwhile: cancel only what is still scheduled.
      const cancelled = await repo.transition(eventId, "scheduled", { status: "cancelled", statusReason: "cancelled by the streamer" });
      if (!cancelled) {
        const now = await found(eventId);
        scheduler.arm(now);
        throw notScheduled(now, "cancelled");
      }
      deps.bus.emit("event.cancelled", payloadOf(cancelled));
      await announcer.withdraw(cancelled);
      return withAnswers((await repo.get(eventId))!);
    },

    async startNow(eventId) {
      const event = await found(eventId);
      stillScheduled(event, "started");
      if (event.source.type === "live" && !deps.isLive(event.streamId)) {
        throw new ScheduleError(409, "no_publisher", "This event's source is the live publisher, and nothing is publishing to the stream: start OBS, then start the event.");
      }
      return withAnswers((await scheduler.startNow(eventId))!);
    },

    namingMedia: async (mediaId) => (await repo.pending()).filter((e) => e.status === "scheduled" && e.source.type === "media" && e.source.mediaId === mediaId),
  };

  return {
    api,
    async scheduledFor(streamId, accountId) {
      const now = Date.now();
      const current = (await repo.list(streamId)).find((e) => e.status === "started" || (e.status === "scheduled" && e.startsAt.getTime() - deps.settings.startingSoonLeadMs <= now));
      if (!current) return undefined;
      const answer = await repo.announcement(current.id, accountId);
      return answer?.state === "announced" && answer.externalId ? { eventId: current.id, externalId: answer.externalId } : undefined;
    },
    start: () => scheduler.start(),
    stop: () => scheduler.stop(),
  };
}

/** startsAt ahead (unless it is kept as it was), endsAt after it. */
function checkTimes(startsAt: Date, endsAt: Date | null, startKept = false): void {
  if (!startKept && startsAt.getTime() <= Date.now()) {
    throw new ScheduleError(400, "starts_in_past", `startsAt (${startsAt.toISOString()}) has passed: give a time ahead, e.g. ${new Date(Date.now() + 3_600_000).toISOString()}.`);
  }
  if (endsAt && endsAt.getTime() <= startsAt.getTime()) {
    throw new ScheduleError(400, "ends_before_start", `endsAt (${endsAt.toISOString()}) must be after startsAt (${startsAt.toISOString()}).`);
  }
}
