import { and, desc, eq, lt, notInArray, sql } from "drizzle-orm";
import type { PgDb } from "./client.js";
import { sessions } from "../schema-pg/index.js";
import type { SecretBox } from "../../secrets/secret-box.js";
import type { SessionsStore } from "../store.js";
import { MAX_SESSIONS_PER_TOKEN, type StoredSession } from "../sessions-repo.js";
import { randomSecret } from "../../secrets/tokens.js";

/** The dashboard's sessions in PostgreSQL (see SessionsRepo): only the keyed hash of a session id is stored. */
export class PgSessionsRepo implements SessionsStore {
  constructor(
    private readonly db: PgDb,
    private readonly box: SecretBox,
  ) {}

  async create(tokenHash: string, lifetimeMs: number, now = new Date()): Promise<{ id: string; expiresAt: Date }> {
    const id = randomSecret("psess", 32);
    const idHash = this.box.lookupHash(id);
    const expiresAt = new Date(now.getTime() + lifetimeMs);
    await this.db.transaction(async (tx) => {
      await tx.delete(sessions).where(lt(sessions.expiresAt, now.getTime()));
      await tx.insert(sessions).values({ idHash, tokenHash, createdAt: now.getTime(), expiresAt: expiresAt.getTime() });
      // The newest sessions stay, the one just made first among them (SQLite breaks a tie in one millisecond by
      // rowid; PostgreSQL has none, so the new session is named).
      const keep = tx
        .select({ idHash: sessions.idHash })
        .from(sessions)
        .where(eq(sessions.tokenHash, tokenHash))
        .orderBy(desc(sql`${sessions.idHash} = ${idHash}`), desc(sessions.createdAt), desc(sessions.idHash))
        .limit(MAX_SESSIONS_PER_TOKEN);
      await tx.delete(sessions).where(and(eq(sessions.tokenHash, tokenHash), notInArray(sessions.idHash, keep)));
    });
    return { id, expiresAt };
  }

  async find(id: string, now = new Date()): Promise<StoredSession | undefined> {
    const idHash = this.box.lookupHash(id);
    const [row] = await this.db.select().from(sessions).where(eq(sessions.idHash, idHash));
    if (!row) return undefined;
    if (row.expiresAt <= now.getTime()) {
      await this.db.delete(sessions).where(eq(sessions.idHash, idHash));
      return undefined;
    }
    return { tokenHash: row.tokenHash, expiresAt: new Date(row.expiresAt) };
  }

  async end(id: string): Promise<void> {
    await this.db.delete(sessions).where(eq(sessions.idHash, this.box.lookupHash(id)));
  }

  async endAllFor(tokenHash: string): Promise<number> {
    const gone = await this.db.delete(sessions).where(eq(sessions.tokenHash, tokenHash)).returning({ idHash: sessions.idHash });
    return gone.length;
  }
}
