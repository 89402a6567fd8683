import { newRowId } from "./ids.js";
import { asc, eq, sql } from "drizzle-orm";
import type { Db } from "./client.js";
import { apiTokens, type ApiTokenRow } from "./schema/index.js";
import type { SecretBox } from "../secrets/secret-box.js";
import { newApiToken } from "../secrets/tokens.js";

/** read < write < admin nest; moderate stands apart: the Chat page (and reading streams and health) only. */
export const SCOPES = ["read", "write", "admin", "moderate"] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiToken {
  id: string;
  name: string;
  scopes: Scope[];
  /** The last four characters of the token. */
  hint: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** A name is already taken (names are how people and the CLI tell tokens apart). */
export class DuplicateTokenName extends Error {}

/** Named API tokens. The token itself is returned once by create() and never stored. */
export class TokensRepo {
  // Looked up on every request made with a named token: built and compiled once, not per call.
  private readonly byHash;

  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {
    this.byHash = db.select().from(apiTokens).where(eq(apiTokens.tokenHash, sql.placeholder("hash"))).prepare();
  }

  create(name: string, scopes: Scope[]): { token: string; record: ApiToken } {
    if (this.db.select({ id: apiTokens.id }).from(apiTokens).where(eq(apiTokens.name, name)).get()) {
      throw new DuplicateTokenName(name);
    }
    const { token, row } = newTokenRow(name, scopes, this.box);
    this.db.insert(apiTokens).values(row).run();
    return { token, record: toToken(row) };
  }

  list(): ApiToken[] {
    return this.db.select().from(apiTokens).orderBy(asc(apiTokens.createdAt), asc(apiTokens.id)).all().map(toToken);
  }

  findByToken(token: string): ApiToken | undefined {
    return this.findByHash(this.hashOf(token));
  }

  /** The keyed hash a token is known by: what is stored instead of it (here, and by the dashboard's sessions). */
  hashOf(token: string): string {
    return this.box.lookupHash(token);
  }

  findByHash(hash: string): ApiToken | undefined {
    const row = this.byHash.get({ hash });
    return row && toToken(row);
  }

  /** The hash of a token by its id, to end what was opened with it. */
  hashById(id: string): string | undefined {
    return this.db.select({ tokenHash: apiTokens.tokenHash }).from(apiTokens).where(eq(apiTokens.id, id)).get()?.tokenHash;
  }

  touch(id: string, at: Date): void {
    this.db.update(apiTokens).set({ lastUsedAt: at.getTime() }).where(eq(apiTokens.id, id)).run();
  }

  delete(id: string): boolean {
    return this.db.delete(apiTokens).where(eq(apiTokens.id, id)).run().changes > 0;
  }
}

/** A new token and the row that stands for it (its keyed hash, never the token). Shared with pg/tokens-repo.ts. */
export function newTokenRow(name: string, scopes: Scope[], box: SecretBox): { token: string; row: ApiTokenRow } {
  const token = newApiToken();
  const row: ApiTokenRow = {
    id: newRowId(),
    name,
    scopes: [...new Set(scopes)].join(","),
    tokenHash: box.lookupHash(token),
    hint: token.slice(-4),
    createdAt: Date.now(),
    lastUsedAt: null,
  };
  return { token, row };
}

export function toToken(row: ApiTokenRow): ApiToken {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes.split(",").filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)),
    hint: row.hint,
    createdAt: new Date(row.createdAt),
    lastUsedAt: row.lastUsedAt === null ? null : new Date(row.lastUsedAt),
  };
}
