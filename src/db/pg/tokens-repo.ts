import { asc, eq } from "drizzle-orm";
import type { PgDb } from "./client.js";
import { apiTokens } from "../schema-pg/index.js";
import type { SecretBox } from "../../secrets/secret-box.js";
import type { TokensStore } from "../store.js";
import { DuplicateTokenName, newTokenRow, toToken, type ApiToken, type Scope } from "../tokens-repo.js";

/** Named API tokens in PostgreSQL (see TokensRepo): only a keyed hash of each token is stored. */
export class PgTokensRepo implements TokensStore {
  constructor(
    private readonly db: PgDb,
    private readonly box: SecretBox,
  ) {}

  /** The unique name decides, in the insert itself: two nodes creating the same name at once get one token and one DuplicateTokenName. */
  async create(name: string, scopes: Scope[]): Promise<{ token: string; record: ApiToken }> {
    const { token, row } = newTokenRow(name, scopes, this.box);
    const inserted = await this.db.insert(apiTokens).values(row).onConflictDoNothing({ target: apiTokens.name }).returning({ id: apiTokens.id });
    if (inserted.length === 0) throw new DuplicateTokenName(name);
    return { token, record: toToken(row) };
  }

  async list(): Promise<ApiToken[]> {
    const rows = await this.db.select().from(apiTokens).orderBy(asc(apiTokens.createdAt), asc(apiTokens.id));
    return rows.map(toToken);
  }

  async findByToken(token: string): Promise<ApiToken | undefined> {
    return this.findByHash(this.box.lookupHash(token));
  }

  async hashOf(token: string): Promise<string> {
    return this.box.lookupHash(token);
  }

  async findByHash(hash: string): Promise<ApiToken | undefined> {
    const [row] = await this.db.select().from(apiTokens).where(eq(apiTokens.tokenHash, hash));
    return row && toToken(row);
  }

  async hashById(id: string): Promise<string | undefined> {
    const [row] = await this.db.select({ tokenHash: apiTokens.tokenHash }).from(apiTokens).where(eq(apiTokens.id, id));
    return row?.tokenHash;
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.db.update(apiTokens).set({ lastUsedAt: at.getTime() }).where(eq(apiTokens.id, id));
  }

  async delete(id: string): Promise<boolean> {
    const gone = await this.db.delete(apiTokens).where(eq(apiTokens.id, id)).returning({ id: apiTokens.id });
    return gone.length > 0;
  }
}
