import { and, asc, desc, eq, isNull, isNotNull, lt } from "drizzle-orm";
import type { Database } from "better-sqlite3";
import type { Db } from "./client.js";
import { broadcastSessionMinutes, broadcastSessions, type BroadcastSessionRow } from "./schema/index.js";
import type { SessionMinute, SessionReport } from "../core/session-report.js";

export interface StoredSession {
  id: string;
  streamId: string;
  startedAt: Date;
  endedAt: Date | null;
  bucketSec: number;
  state: Record<string, unknown>;
  report: SessionReport | null;
}

/** Shared with pg/broadcast-sessions-repo.ts. */
export const toSession = (r: BroadcastSessionRow): StoredSession => ({
  id: r.id,
  streamId: r.streamId,
  startedAt: new Date(r.startedAt),
  endedAt: r.endedAt === null ? null : new Date(r.endedAt),
  bucketSec: r.bucketSec,
  state: r.state,
  report: (r.report as SessionReport | null) ?? null,
});

export type NewBroadcastSession = { id: string; streamId: string; startedAt: Date; bucketSec: number; state: object };

/** Broadcast sessions and their series (issue #17). */
export class BroadcastSessionsRepo {
  private readonly sqlite: Database;

  constructor(private readonly db: Db) {
    this.sqlite = (db as Db & { $client: Database }).$client;
  }

  /** Records a session's start; a session id seen again (a restart of the same run) is left as it is. */
  open(s: NewBroadcastSession): void {
    this.db
      .insert(broadcastSessions)
      .values({ id: s.id, streamId: s.streamId, startedAt: s.startedAt.getTime(), bucketSec: s.bucketSec, state: s.state as Record<string, unknown> })
      .onConflictDoNothing()
      .run();
  }

  /** One bucket and the running state, in one transaction: either both are kept or neither. */
  saveBucket(id: string, minute: SessionMinute, state: object): void {
    this.sqlite.transaction(() => {
      this.db
        .insert(broadcastSessionMinutes)
        .values({ sessionId: id, idx: minute.index, data: minute as unknown as Record<string, unknown> })
        .onConflictDoUpdate({ target: [broadcastSessionMinutes.sessionId, broadcastSessionMinutes.idx], set: { data: minute as unknown as Record<string, unknown> } })
        .run();
      this.db.update(broadcastSessions).set({ state: state as Record<string, unknown> }).where(eq(broadcastSessions.id, id)).run();
    })();
  }

  /** false: the session is gone (its stream was deleted meanwhile). */
  close(id: string, endedAt: Date, report: SessionReport): boolean {
    return (
      this.db
      .update(broadcastSessions)
        .set({ endedAt: endedAt.getTime(), report: report as unknown as Record<string, unknown> })
        .where(eq(broadcastSessions.id, id))
        .run().changes > 0
    );
  }

  get(id: string): StoredSession | undefined {
    const row = this.db.select().from(broadcastSessions).where(eq(broadcastSessions.id, id)).get();
    return row && toSession(row);
  }

  /** Newest first. */
  listForStream(streamId: string, limit: number): StoredSession[] {
    return this.db.select().from(broadcastSessions).where(eq(broadcastSessions.streamId, streamId)).orderBy(desc(broadcastSessions.startedAt), desc(broadcastSessions.id)).limit(limit).all().map(toSession);
  }

  /** Sessions never closed: Prism stopped without ending them (a crash). */
  unfinished(): StoredSession[] {
    return this.db.select().from(broadcastSessions).where(isNull(broadcastSessions.endedAt)).all().map(toSession);
  }

  series(id: string): SessionMinute[] {
    return this.db
      .select({ data: broadcastSessionMinutes.data })
      .from(broadcastSessionMinutes)
      .where(eq(broadcastSessionMinutes.sessionId, id))
      .orderBy(asc(broadcastSessionMinutes.idx))
      .all()
      .map((r) => r.data as unknown as SessionMinute);
  }

  /** Drops sessions that ended before `before` (their series goes with them); returns how many. */
  prune(before: Date): number {
    return this.db
      .delete(broadcastSessions)
      .where(and(isNotNull(broadcastSessions.endedAt), lt(broadcastSessions.endedAt, before.getTime())))
      .run().changes;
  }
}
