import { newRowId } from "./ids.js";
import { and, asc, eq } from "drizzle-orm";
import type { Db } from "./client.js";
import { accounts, type AccountRow } from "./schema/index.js";
import type { SecretBox } from "../secrets/secret-box.js";

export type AccountStatus = "ok" | "needs_reconnect";

/** What anyone may see of a linked account: never its tokens. */
export interface AccountSummary {
  id: string;
  platform: string;
  platformUserId: string;
  displayName: string;
  scopes: string[];
  expiresAt: Date | null;
  status: AccountStatus;
  statusReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A linked account with its tokens decrypted: for the OAuth layer only. */
export interface Account extends AccountSummary {
  accessToken: string;
  refreshToken: string | null;
  platformData: Record<string, unknown>;
}

export interface TokenSet {
  accessToken: string;
  refreshToken: string | null;
  expiresAt: Date | null;
  scopes: string[];
}

/**
 * A refresh run under an account's refresh lock: given the account as stored now (after any refresh that held
 * the lock before), it answers the tokens to save, or null to keep the stored ones (someone refreshed already).
 */
export type LockedRefresh = (current: Account) => Promise<TokenSet | null>;

/** Linked platform accounts, their access and refresh tokens encrypted at rest. */
export class AccountsRepo {
  /** The refresh running (or last queued) per account: one SQLite file serves one process, so this is the lock. */
  private readonly refreshing = new Map<string, Promise<unknown>>();

  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {}

  /**
   * Runs `refresh` as the account's only refresher (platforms that rotate refresh tokens refuse
   * the older one, so two refreshes at once would lock the account out) and saves what it answers. Resolves to
   * the account afterwards, undefined when it is gone; a throw of `refresh` saves nothing and rejects.
   */
  withRefreshLock(id: string, refresh: LockedRefresh): Promise<Account | undefined> {
    const before = this.refreshing.get(id) ?? Promise.resolve();
    const run = before.then(async () => {
      const current = this.get(id);
      if (!current) return undefined;
      const tokens = await refresh(current);
      return tokens ? this.saveTokens(id, tokens) : current;
    });
    const settled = run.catch(() => {});
    this.refreshing.set(id, settled);
    void settled.then(() => {
      if (this.refreshing.get(id) === settled) this.refreshing.delete(id);
    });
    return run;
  }

  /** Stores a freshly linked account; linking the same platform user again updates it (same id). */
  link(input: { platform: string; platformUserId: string; displayName: string } & TokenSet): Account {
    const now = Date.now();
    const existing = this.db
      .select()
      .from(accounts)
      .where(and(eq(accounts.platform, input.platform), eq(accounts.platformUserId, input.platformUserId)))
      .get();
    // A platform that issues no new refresh token on a second link (Google without consent) keeps the old one.
    const fresh = linkColumns(input, this.box, now);
    const tokens = { ...fresh, refreshTokenEnc: fresh.refreshTokenEnc ?? existing?.refreshTokenEnc ?? null };
    if (existing) {
      this.db.update(accounts).set(tokens).where(eq(accounts.id, existing.id)).run();
      return this.get(existing.id)!;
    }
    const row: AccountRow = { id: newRowId(), platform: input.platform, platformUserId: input.platformUserId, platformData: null, createdAt: now, ...tokens };
    this.db.insert(accounts).values(row).run();
    return this.toAccount(row);
  }

  list(): AccountSummary[] {
    return this.db.select().from(accounts).orderBy(asc(accounts.createdAt), asc(accounts.id)).all().map(summaryOf);
  }

  summary(id: string): AccountSummary | undefined {
    const row = this.db.select().from(accounts).where(eq(accounts.id, id)).get();
    return row && summaryOf(row);
  }

  get(id: string): Account | undefined {
    const row = this.db.select().from(accounts).where(eq(accounts.id, id)).get();
    return row && this.toAccount(row);
  }

  /** After a refresh. A platform that does not rotate refresh tokens answers without one: the old one stays. */
  saveTokens(id: string, tokens: TokenSet): Account | undefined {
    this.db.update(accounts).set(refreshedColumns(tokens, this.box)).where(eq(accounts.id, id)).run();
    return this.get(id);
  }

  /** True when the account was fine until now (so the change is announced once). */
  markNeedsReconnect(id: string, reason: string): boolean {
    return (
      this.db
        .update(accounts)
        .set({ status: "needs_reconnect", statusReason: reason, updatedAt: Date.now() })
        .where(and(eq(accounts.id, id), eq(accounts.status, "ok")))
        .run().changes > 0
    );
  }

  saveData(id: string, data: Record<string, unknown>): void {
    this.db.update(accounts).set({ platformData: JSON.stringify(data), updatedAt: Date.now() }).where(eq(accounts.id, id)).run();
  }

  delete(id: string): boolean {
    return this.db.delete(accounts).where(eq(accounts.id, id)).run().changes > 0;
  }

  private toAccount(row: AccountRow): Account {
    return accountOf(row, this.box);
  }
}

/** A row with its tokens decrypted. Shared with pg/accounts-repo.ts. */
export function accountOf(row: AccountRow, box: SecretBox): Account {
  return {
    ...summaryOf(row),
    accessToken: box.decrypt(row.accessTokenEnc),
    refreshToken: row.refreshTokenEnc === null ? null : box.decrypt(row.refreshTokenEnc),
    platformData: row.platformData ? (JSON.parse(row.platformData) as Record<string, unknown>) : {},
  };
}

/** The columns a link (or a link again) writes; refreshTokenEnc null when the platform issued none this time. */
export function linkColumns(input: { displayName: string } & TokenSet, box: SecretBox, now: number) {
  return {
    displayName: input.displayName,
    scopes: input.scopes.join(" "),
    accessTokenEnc: box.encrypt(input.accessToken),
    refreshTokenEnc: input.refreshToken !== null ? box.encrypt(input.refreshToken) : null,
    expiresAt: input.expiresAt?.getTime() ?? null,
    status: "ok",
    statusReason: null,
    updatedAt: now,
  };
}

/** The columns a refresh writes: a platform that answers without a refresh token or scopes keeps the old ones. */
export function refreshedColumns(tokens: TokenSet, box: SecretBox): Partial<AccountRow> {
  return {
    accessTokenEnc: box.encrypt(tokens.accessToken),
    ...(tokens.refreshToken !== null && { refreshTokenEnc: box.encrypt(tokens.refreshToken) }),
    expiresAt: tokens.expiresAt?.getTime() ?? null,
    ...(tokens.scopes.length > 0 && { scopes: tokens.scopes.join(" ") }),
    updatedAt: Date.now(),
  };
}

export function summaryOf(row: AccountRow): AccountSummary {
  return {
    id: row.id,
    platform: row.platform,
    platformUserId: row.platformUserId,
    displayName: row.displayName,
    scopes: row.scopes ? row.scopes.split(" ") : [],
    expiresAt: row.expiresAt === null ? null : new Date(row.expiresAt),
    status: row.status === "needs_reconnect" ? "needs_reconnect" : "ok",
    statusReason: row.statusReason,
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
  };
}
