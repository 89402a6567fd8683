import { and, asc, eq, inArray, isNull } from "drizzle-orm";
import type { PgDb } from "./client.js";
import { scheduledEventAnnouncements, scheduledEvents } from "../schema-pg/index.js";
import type { ScheduledEventsStore } from "../store.js";
import type { AnnouncementRow } from "../schema/index.js";
import {
  newScheduledEventRow,
  PENDING_STATUSES,
  scheduledEventPatchColumns,
  toAnnouncement,
  toEvent,
  type Announcement,
  type EventStatus,
  type NewScheduledEvent,
  type TransitionGuard,
  type ScheduledEvent,
  type ScheduledEventPatch,
} from "../scheduled-events-repo.js";

/** The row a transition may move: that id, still in `from` (the same condition as transitionFrom, on this dialect's table). */
function pgTransitionFrom(id: string, from: EventStatus, guard: TransitionGuard) {
  return and(eq(scheduledEvents.id, id), eq(scheduledEvents.status, from), guard.soonNotSent ? isNull(scheduledEvents.soonSentAt) : undefined);
}

/** Scheduled events and their announcements in PostgreSQL (see ScheduledEventsRepo). */
export class PgScheduledEventsRepo implements ScheduledEventsStore {
  constructor(private readonly db: PgDb) {}

  async create(input: NewScheduledEvent): Promise<ScheduledEvent> {
    const row = newScheduledEventRow(input);
    await this.db.insert(scheduledEvents).values(row);
    return toEvent(row);
  }

  async get(id: string): Promise<ScheduledEvent | undefined> {
    const [row] = await this.db.select().from(scheduledEvents).where(eq(scheduledEvents.id, id));
    return row && toEvent(row);
  }

  async list(streamId: string): Promise<ScheduledEvent[]> {
    const rows = await this.db.select().from(scheduledEvents).where(eq(scheduledEvents.streamId, streamId)).orderBy(asc(scheduledEvents.startsAt), asc(scheduledEvents.id));
    return rows.map(toEvent);
  }

  async pending(): Promise<ScheduledEvent[]> {
    const rows = await this.db
      .select()
      .from(scheduledEvents)
      .where(inArray(scheduledEvents.status, [...PENDING_STATUSES]))
      .orderBy(asc(scheduledEvents.startsAt), asc(scheduledEvents.id));
    return rows.map(toEvent);
  }

  async update(id: string, patch: ScheduledEventPatch): Promise<ScheduledEvent | undefined> {
    const [row] = await this.db.update(scheduledEvents).set(scheduledEventPatchColumns(patch)).where(eq(scheduledEvents.id, id)).returning();
    return row && toEvent(row);
  }

  /** See ScheduledEventsRepo.transition: one UPDATE … WHERE id AND status RETURNING, so of two nodes one wins. */
  async transition(id: string, from: EventStatus, patch: ScheduledEventPatch, guard: TransitionGuard = {}): Promise<ScheduledEvent | undefined> {
    const [row] = await this.db.update(scheduledEvents).set(scheduledEventPatchColumns(patch)).where(pgTransitionFrom(id, from, guard)).returning();
    return row && toEvent(row);
  }

  async announcements(eventId: string): Promise<Announcement[]> {
    const rows = await this.db
      .select()
      .from(scheduledEventAnnouncements)
      .where(eq(scheduledEventAnnouncements.eventId, eventId))
      .orderBy(asc(scheduledEventAnnouncements.platform), asc(scheduledEventAnnouncements.accountId));
    return rows.map(toAnnouncement);
  }

  async announcement(eventId: string, accountId: string): Promise<Announcement | undefined> {
    const [row] = await this.db
      .select()
      .from(scheduledEventAnnouncements)
      .where(and(eq(scheduledEventAnnouncements.eventId, eventId), eq(scheduledEventAnnouncements.accountId, accountId)));
    return row && toAnnouncement(row);
  }

  async saveAnnouncement(eventId: string, a: Announcement): Promise<void> {
    const row: AnnouncementRow = { eventId, ...a, attemptedAt: a.attemptedAt.getTime() };
    await this.db
      .insert(scheduledEventAnnouncements)
      .values(row)
      .onConflictDoUpdate({ target: [scheduledEventAnnouncements.eventId, scheduledEventAnnouncements.accountId], set: row });
  }
}
