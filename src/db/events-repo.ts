import { desc, inArray, lt, count, eq } from "drizzle-orm";
import type { Db } from "./client.js";
import { events, type EventRow } from "./schema/index.js";

export interface StoredEvent {
  id: string;
  type: string;
  createdAt: Date;
  data: Record<string, unknown>;
}

/** The persistent event log, pruned by age and count (written with its deliveries by WebhookDeliveriesRepo.publish). */
export class EventsRepo {
  constructor(private readonly db: Db) {}

  /** Newest first; `types` empty means every type. */
  recent(types: string[], limit: number): StoredEvent[] {
    const query = this.db.select().from(events);
    const filtered = types.length > 0 ? query.where(inArray(events.type, types)) : query;
    return filtered.orderBy(desc(events.seq)).limit(limit).all().map(toEvent);
  }

  get(id: string): StoredEvent | undefined {
    const row = this.db.select().from(events).where(eq(events.id, id)).get();
    return row && toEvent(row);
  }

  count(): number {
    return this.db.select({ n: count() }).from(events).get()?.n ?? 0;
  }

  /** Drops events older than `before` and all but the newest `keep`; returns how many went. */
  prune(before: Date, keep: number): number {
    let removed = this.db.delete(events).where(lt(events.createdAt, before.getTime())).run().changes;
    const cutoff = this.db.select({ seq: events.seq }).from(events).orderBy(desc(events.seq)).limit(1).offset(keep).get();
    if (cutoff) removed += this.db.delete(events).where(lt(events.seq, cutoff.seq + 1)).run().changes;
    return removed;
  }
}

export function toEvent(row: EventRow): StoredEvent {
  return { id: row.id, type: row.type, createdAt: new Date(row.createdAt), data: row.data };
}
