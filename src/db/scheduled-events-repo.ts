import { newPrefixedId } from "./ids.js";
import { and, asc, eq, inArray, isNull, type SQL } from "drizzle-orm";
import type { Db } from "./client.js";
import { scheduledEventAnnouncements, scheduledEvents, type AnnouncementRow, type ScheduledEventRow } from "./schema/index.js";

export type EventSource = { type: "live" } | { type: "media"; mediaId: string; loop: boolean };
export type EventStatus = "scheduled" | "started" | "ended" | "cancelled" | "missed";
export type AnnouncementState = "announced" | "refused" | "unavailable" | "not_available" | "withdrawn";

export interface ScheduledEvent {
  id: string;
  streamId: string;
  title: string;
  description: string | null;
  startsAt: Date;
  endsAt: Date | null;
  source: EventSource;
  status: EventStatus;
  statusReason: string | null;
  soonSentAt: Date | null;
  startedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Announcement {
  accountId: string;
  platform: string;
  state: AnnouncementState;
  externalId: string | null;
  url: string | null;
  message: string | null;
  attemptedAt: Date;
}

/** The statuses whose timers are still ahead (the scheduler re-arms them on start). */
export const PENDING_STATUSES: readonly EventStatus[] = ["scheduled", "started"];

const date = (ms: number | null) => (ms === null ? null : new Date(ms));

/** Row mappers and column builders below are shared with pg/scheduled-events-repo.ts. */
export function toEvent(row: ScheduledEventRow): ScheduledEvent {
  return {
    id: row.id,
    streamId: row.streamId,
    title: row.title,
    description: row.description,
    startsAt: new Date(row.startsAt),
    endsAt: date(row.endsAt),
    source: JSON.parse(row.source) as EventSource,
    status: row.status as EventStatus,
    statusReason: row.statusReason,
    soonSentAt: date(row.soonSentAt),
    startedAt: date(row.startedAt),
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
  };
}

export function toAnnouncement(row: AnnouncementRow): Announcement {
  return {
    accountId: row.accountId,
    platform: row.platform,
    state: row.state as AnnouncementState,
    externalId: row.externalId,
    url: row.url,
    message: row.message,
    attemptedAt: new Date(row.attemptedAt),
  };
}

export type NewScheduledEvent = { streamId: string; title: string; description: string | null; startsAt: Date; endsAt: Date | null; source: EventSource };
export type ScheduledEventPatch = Partial<Pick<ScheduledEvent, "title" | "description" | "startsAt" | "endsAt" | "source" | "status" | "statusReason" | "soonSentAt" | "startedAt">>;

export function newScheduledEventRow(input: NewScheduledEvent): ScheduledEventRow {
  const now = Date.now();
  return {
    id: newPrefixedId("sev"),
    streamId: input.streamId,
    title: input.title,
    description: input.description,
    startsAt: input.startsAt.getTime(),
    endsAt: input.endsAt?.getTime() ?? null,
    source: JSON.stringify(input.source),
    status: "scheduled",
    statusReason: null,
    soonSentAt: null,
    startedAt: null,
    createdAt: now,
    updatedAt: now,
  };
}

/** The columns a patch sets; fields left out keep their value. */
export function scheduledEventPatchColumns(patch: ScheduledEventPatch): Partial<ScheduledEventRow> {
  const set: Partial<ScheduledEventRow> = { updatedAt: Date.now() };
  if (patch.title !== undefined) set.title = patch.title;
  if (patch.description !== undefined) set.description = patch.description;
  if (patch.startsAt !== undefined) set.startsAt = patch.startsAt.getTime();
  if (patch.endsAt !== undefined) set.endsAt = patch.endsAt?.getTime() ?? null;
  if (patch.source !== undefined) set.source = JSON.stringify(patch.source);
  if (patch.status !== undefined) set.status = patch.status;
  if (patch.statusReason !== undefined) set.statusReason = patch.statusReason;
  if (patch.soonSentAt !== undefined) set.soonSentAt = patch.soonSentAt?.getTime() ?? null;
  if (patch.startedAt !== undefined) set.startedAt = patch.startedAt?.getTime() ?? null;
  return set;
}

export interface TransitionGuard {
  /** Only while event.starting_soon has not gone out (soonSentAt is null). */
  soonNotSent?: boolean;
}

/** The row a transition may move: that id, still in `from`. */
function transitionFrom(id: string, from: EventStatus, guard: TransitionGuard): SQL | undefined {
  return and(eq(scheduledEvents.id, id), eq(scheduledEvents.status, from), guard.soonNotSent ? isNull(scheduledEvents.soonSentAt) : undefined);
}

/** Scheduled events and what each platform answered when they were announced. */
export class ScheduledEventsRepo {
  constructor(private readonly db: Db) {}

  create(input: NewScheduledEvent): ScheduledEvent {
    const row = newScheduledEventRow(input);
    this.db.insert(scheduledEvents).values(row).run();
    return toEvent(row);
  }

  get(id: string): ScheduledEvent | undefined {
    const row = this.db.select().from(scheduledEvents).where(eq(scheduledEvents.id, id)).get();
    return row && toEvent(row);
  }

  list(streamId: string): ScheduledEvent[] {
    return this.db.select().from(scheduledEvents).where(eq(scheduledEvents.streamId, streamId)).orderBy(asc(scheduledEvents.startsAt), asc(scheduledEvents.id)).all().map(toEvent);
  }

  /** Every event whose timers may still be ahead, soonest first. */
  pending(): ScheduledEvent[] {
    return this.db
      .select()
      .from(scheduledEvents)
      .where(inArray(scheduledEvents.status, [...PENDING_STATUSES]))
      .orderBy(asc(scheduledEvents.startsAt), asc(scheduledEvents.id))
      .all()
      .map(toEvent);
  }

  /** Fields left out keep their value. */
  update(id: string, patch: ScheduledEventPatch): ScheduledEvent | undefined {
    this.db.update(scheduledEvents).set(scheduledEventPatchColumns(patch)).where(eq(scheduledEvents.id, id)).run();
    return this.get(id);
  }

  /**
   * Compare-and-set, the one write of a scheduler's transition: applies `patch` only while the event is still
   * `from` (with `soonNotSent`, also only while event.starting_soon has not gone out). Answers the updated event,
   * or undefined when it was no longer so: another scheduler (another node's) moved it first, or it is gone.
   */
  transition(id: string, from: EventStatus, patch: ScheduledEventPatch, guard: TransitionGuard = {}): ScheduledEvent | undefined {
    const row = this.db.update(scheduledEvents).set(scheduledEventPatchColumns(patch)).where(transitionFrom(id, from, guard)).returning().get();
    return row && toEvent(row);
  }

  announcements(eventId: string): Announcement[] {
    return this.db
      .select()
      .from(scheduledEventAnnouncements)
      .where(eq(scheduledEventAnnouncements.eventId, eventId))
      .orderBy(asc(scheduledEventAnnouncements.platform), asc(scheduledEventAnnouncements.accountId))
      .all()
      .map(toAnnouncement);
  }

  announcement(eventId: string, accountId: string): Announcement | undefined {
    const row = this.db
      .select()
      .from(scheduledEventAnnouncements)
      .where(and(eq(scheduledEventAnnouncements.eventId, eventId), eq(scheduledEventAnnouncements.accountId, accountId)))
      .get();
    return row && toAnnouncement(row);
  }

  saveAnnouncement(eventId: string, a: Announcement): void {
    const row: AnnouncementRow = { eventId, ...a, attemptedAt: a.attemptedAt.getTime() };
    this.db
      .insert(scheduledEventAnnouncements)
      .values(row)
      .onConflictDoUpdate({ target: [scheduledEventAnnouncements.eventId, scheduledEventAnnouncements.accountId], set: row })
      .run();
  }
}
