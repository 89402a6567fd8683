import { and, asc, eq, lt, notInArray, sql } from "drizzle-orm";
import type { Db } from "./client.js";
import { sessions } from "./schema/index.js";
import type { SecretBox } from "../secrets/secret-box.js";
import { randomSecret } from "../secrets/tokens.js";

/** Sessions one API token may hold at once; logging in again past this ends its oldest one. */
export const MAX_SESSIONS_PER_TOKEN = 20;

export interface StoredSession {
  /** The keyed hash of the API token the session logged in with (TokensRepo.hashOf). */
  tokenHash: string;
  expiresAt: Date;
}

/**
 * The dashboard's sessions (schema/sessions.ts). The session id is returned once, by create(), for
 * the cookie; the database only ever sees its keyed hash.
 */
export class SessionsRepo {
  // Looked up on every dashboard request: compiled once.
  private readonly byIdHash;

  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {
    this.byIdHash = db.select().from(sessions).where(eq(sessions.idHash, sql.placeholder("idHash"))).prepare();
  }

  create(tokenHash: string, lifetimeMs: number, now = new Date()): { id: string; expiresAt: Date } {
    const id = randomSecret("psess", 32);
    const expiresAt = new Date(now.getTime() + lifetimeMs);
    this.db.transaction((tx) => {
      tx.delete(sessions).where(lt(sessions.expiresAt, now.getTime())).run();
      tx.insert(sessions).values({ idHash: this.box.lookupHash(id), tokenHash, createdAt: now.getTime(), expiresAt: expiresAt.getTime() }).run();
      const keep = tx.select({ idHash: sessions.idHash }).from(sessions).where(eq(sessions.tokenHash, tokenHash)).orderBy(asc(sessions.createdAt), asc(sql`rowid`)).all().slice(-MAX_SESSIONS_PER_TOKEN).map((r) => r.idHash);
      tx.delete(sessions).where(and(eq(sessions.tokenHash, tokenHash), notInArray(sessions.idHash, keep))).run();
    });
    return { id, expiresAt };
  }

  /** undefined: no such session, or it expired (and is gone now). */
  find(id: string, now = new Date()): StoredSession | undefined {
    const idHash = this.box.lookupHash(id);
    const row = this.byIdHash.get({ idHash });
    if (!row) return undefined;
    if (row.expiresAt <= now.getTime()) {
      this.db.delete(sessions).where(eq(sessions.idHash, idHash)).run();
      return undefined;
    }
    return { tokenHash: row.tokenHash, expiresAt: new Date(row.expiresAt) };
  }

  end(id: string): void {
    this.db.delete(sessions).where(eq(sessions.idHash, this.box.lookupHash(id))).run();
  }

  /** Every session logged in with that token: it was deleted or rotated. */
  endAllFor(tokenHash: string): number {
    return this.db.delete(sessions).where(eq(sessions.tokenHash, tokenHash)).run().changes;
  }
}
