import { count, desc, eq, inArray, lt } from "drizzle-orm";
import type { PgDb } from "./client.js";
import { events } from "../schema-pg/index.js";
import type { EventsStore } from "../store.js";
import { toEvent, type StoredEvent } from "../events-repo.js";

/** The event log in PostgreSQL (see EventsRepo); written with its deliveries by the deliveries store's publish. */
export class PgEventsRepo implements EventsStore {
  constructor(private readonly db: PgDb) {}

  async recent(types: string[], limit: number): Promise<StoredEvent[]> {
    const query = this.db.select().from(events);
    const filtered = types.length > 0 ? query.where(inArray(events.type, types)) : query;
    const rows = await filtered.orderBy(desc(events.seq)).limit(limit);
    return rows.map(toEvent);
  }

  async get(id: string): Promise<StoredEvent | undefined> {
    const [row] = await this.db.select().from(events).where(eq(events.id, id));
    return row && toEvent(row);
  }

  async count(): Promise<number> {
    const [row] = await this.db.select({ n: count() }).from(events);
    return row?.n ?? 0;
  }

  async prune(before: Date, keep: number): Promise<number> {
    const old = await this.db.delete(events).where(lt(events.createdAt, before.getTime())).returning({ seq: events.seq });
    const [cutoff] = await this.db.select({ seq: events.seq }).from(events).orderBy(desc(events.seq)).limit(1).offset(keep);
    if (!cutoff) return old.length;
    const over = await this.db.delete(events).where(lt(events.seq, cutoff.seq + 1)).returning({ seq: events.seq });
    return old.length + over.length;
  }
}
