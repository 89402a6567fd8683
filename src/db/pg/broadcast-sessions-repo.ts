import { and, asc, desc, eq, isNotNull, isNull, lt } from "drizzle-orm";
import type { PgDb } from "./client.js";
import { broadcastSessionMinutes, broadcastSessions } from "../schema-pg/index.js";
import type { BroadcastSessionsStore } from "../store.js";
import type { SessionMinute, SessionReport } from "../../core/session-report.js";
import { toSession, type NewBroadcastSession, type StoredSession } from "../broadcast-sessions-repo.js";

type Json = Record<string, unknown>;

/** Broadcast sessions and their series in PostgreSQL (see BroadcastSessionsRepo); state, report and buckets are jsonb. */
export class PgBroadcastSessionsRepo implements BroadcastSessionsStore {
  constructor(private readonly db: PgDb) {}

  async open(s: NewBroadcastSession): Promise<void> {
    await this.db
      .insert(broadcastSessions)
      .values({ id: s.id, streamId: s.streamId, startedAt: s.startedAt.getTime(), bucketSec: s.bucketSec, state: s.state as Json })
      .onConflictDoNothing();
  }

  async saveBucket(id: string, minute: SessionMinute, state: object): Promise<void> {
    const data = minute as unknown as Json;
    await this.db.transaction(async (tx) => {
      await tx
        .insert(broadcastSessionMinutes)
        .values({ sessionId: id, idx: minute.index, data })
        .onConflictDoUpdate({ target: [broadcastSessionMinutes.sessionId, broadcastSessionMinutes.idx], set: { data } });
      await tx.update(broadcastSessions).set({ state: state as Json }).where(eq(broadcastSessions.id, id));
    });
  }

  async close(id: string, endedAt: Date, report: SessionReport): Promise<boolean> {
    const closed = await this.db
      .update(broadcastSessions)
      .set({ endedAt: endedAt.getTime(), report: report as unknown as Json })
      .where(eq(broadcastSessions.id, id))
      .returning({ id: broadcastSessions.id });
    return closed.length > 0;
  }

  async get(id: string): Promise<StoredSession | undefined> {
    const [row] = await this.db.select().from(broadcastSessions).where(eq(broadcastSessions.id, id));
    return row && toSession(row);
  }

  async listForStream(streamId: string, limit: number): Promise<StoredSession[]> {
    const rows = await this.db
      .select()
      .from(broadcastSessions)
      .where(eq(broadcastSessions.streamId, streamId))
      .orderBy(desc(broadcastSessions.startedAt), desc(broadcastSessions.id))
      .limit(limit);
    return rows.map(toSession);
  }

  async unfinished(): Promise<StoredSession[]> {
    const rows = await this.db.select().from(broadcastSessions).where(isNull(broadcastSessions.endedAt)).orderBy(asc(broadcastSessions.startedAt), asc(broadcastSessions.id));
    return rows.map(toSession);
  }

  async series(id: string): Promise<SessionMinute[]> {
    const rows = await this.db
      .select({ data: broadcastSessionMinutes.data })
      .from(broadcastSessionMinutes)
      .where(eq(broadcastSessionMinutes.sessionId, id))
      .orderBy(asc(broadcastSessionMinutes.idx));
    return rows.map((r) => r.data as unknown as SessionMinute);
  }

  async prune(before: Date): Promise<number> {
    const gone = await this.db
      .delete(broadcastSessions)
      .where(and(isNotNull(broadcastSessions.endedAt), lt(broadcastSessions.endedAt, before.getTime())))
      .returning({ id: broadcastSessions.id });
    return gone.length;
  }
}
