import { newRowId } from "../ids.js";
import { and, asc, eq, sql } from "drizzle-orm";
import type { PgDb } from "./client.js";
import { accounts } from "../schema-pg/index.js";
import type { SecretBox } from "../../secrets/secret-box.js";
import type { AccountsStore } from "../store.js";
import { accountOf, linkColumns, refreshedColumns, summaryOf, type Account, type AccountSummary, type LockedRefresh, type TokenSet } from "../accounts-repo.js";

/** Linked platform accounts in PostgreSQL (see AccountsRepo), tokens encrypted with the same SecretBox. */
export class PgAccountsRepo implements AccountsStore {
  constructor(
    private readonly db: PgDb,
    private readonly box: SecretBox,
  ) {}

  /**
   * One upsert on (platform, platform user): linking the same user again, even on two nodes at once, updates one
   * row (same id), and a link without a refresh token keeps the stored one (COALESCE).
   */
  async link(input: { platform: string; platformUserId: string; displayName: string } & TokenSet): Promise<Account> {
    const now = Date.now();
    const columns = linkColumns(input, this.box, now);
    const [row] = await this.db
      .insert(accounts)
      .values({ id: newRowId(), platform: input.platform, platformUserId: input.platformUserId, platformData: null, createdAt: now, ...columns })
      .onConflictDoUpdate({
        target: [accounts.platform, accounts.platformUserId],
        set: { ...columns, refreshTokenEnc: sql`COALESCE(excluded.refresh_token_enc, ${accounts.refreshTokenEnc})` },
      })
      .returning();
    return accountOf(row!, this.box);
  }

  async list(): Promise<AccountSummary[]> {
    const rows = await this.db.select().from(accounts).orderBy(asc(accounts.createdAt), asc(accounts.id));
    return rows.map(summaryOf);
  }

  async summary(id: string): Promise<AccountSummary | undefined> {
    const [row] = await this.db.select().from(accounts).where(eq(accounts.id, id));
    return row && summaryOf(row);
  }

  async get(id: string): Promise<Account | undefined> {
    const [row] = await this.db.select().from(accounts).where(eq(accounts.id, id));
    return row && accountOf(row, this.box);
  }

  async saveTokens(id: string, tokens: TokenSet): Promise<Account | undefined> {
    const [row] = await this.db.update(accounts).set(refreshedColumns(tokens, this.box)).where(eq(accounts.id, id)).returning();
    return row && accountOf(row, this.box);
  }

  /**
   * See AccountsRepo.withRefreshLock. Here the lock is the account's row, `SELECT … FOR UPDATE` in a transaction
   * that lasts the refresh: another node's refresh of the account waits, then reads the tokens this one saved.
   */
  async withRefreshLock(id: string, refresh: LockedRefresh): Promise<Account | undefined> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.select().from(accounts).where(eq(accounts.id, id)).for("update");
      if (!row) return undefined;
      const current = accountOf(row, this.box);
      const tokens = await refresh(current);
      if (!tokens) return current;
      const [saved] = await tx.update(accounts).set(refreshedColumns(tokens, this.box)).where(eq(accounts.id, id)).returning();
      return saved && accountOf(saved, this.box);
    });
  }

  async markNeedsReconnect(id: string, reason: string): Promise<boolean> {
    const changed = await this.db
      .update(accounts)
      .set({ status: "needs_reconnect", statusReason: reason, updatedAt: Date.now() })
      .where(and(eq(accounts.id, id), eq(accounts.status, "ok")))
      .returning({ id: accounts.id });
    return changed.length > 0;
  }

  async saveData(id: string, data: Record<string, unknown>): Promise<void> {
    await this.db.update(accounts).set({ platformData: JSON.stringify(data), updatedAt: Date.now() }).where(eq(accounts.id, id));
  }

  async delete(id: string): Promise<boolean> {
    const gone = await this.db.delete(accounts).where(eq(accounts.id, id)).returning({ id: accounts.id });
    return gone.length > 0;
  }
}
