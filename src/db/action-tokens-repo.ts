import { newRowId } from "./ids.js";
import { and, asc, eq } from "drizzle-orm";
import type { Db } from "./client.js";
import { actionTokens, type ActionTokenRow } from "./schema/index.js";
import type { SecretBox } from "../secrets/secret-box.js";
import { randomSecret } from "../secrets/tokens.js";

export interface ActionToken {
  id: string;
  streamId: string;
  name: string;
  actions: string[];
  /** The token's last four characters: tells tokens apart without showing them. */
  hint: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** Action tokens, stored as keyed hashes: the token itself exists only in the answer that created it. */
export class ActionTokensRepo {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {}

  /** Returns the new token in full, once. */
  create(input: { streamId: string; name: string; actions: string[] }): { token: string; record: ActionToken } {
    const { token, row } = newActionTokenRow(input, this.box);
    this.db.insert(actionTokens).values(row).run();
    return { token, record: toActionToken(row) };
  }

  list(streamId: string): ActionToken[] {
    return this.db.select().from(actionTokens).where(eq(actionTokens.streamId, streamId)).orderBy(asc(actionTokens.createdAt), asc(actionTokens.id)).all().map(toActionToken);
  }

  findByToken(token: string): ActionToken | undefined {
    const row = this.db.select().from(actionTokens).where(eq(actionTokens.tokenHash, this.box.lookupHash(token))).get();
    return row && toActionToken(row);
  }

  touch(id: string, at: Date): void {
    this.db.update(actionTokens).set({ lastUsedAt: at.getTime() }).where(eq(actionTokens.id, id)).run();
  }

  /** Revoking deletes: the URL answers 401 from the next request on. */
  delete(streamId: string, id: string): boolean {
    return this.db.delete(actionTokens).where(and(eq(actionTokens.streamId, streamId), eq(actionTokens.id, id))).run().changes > 0;
  }
}

/** A new token (returned once) and its row, which holds only the keyed hash. Shared with pg/action-tokens-repo.ts. */
export function newActionTokenRow(input: { streamId: string; name: string; actions: string[] }, box: SecretBox): { token: string; row: ActionTokenRow } {
  // The "prism_" prefix lets the log scrubber mask a token that slips into a message.
  const token = randomSecret("prism_act");
  const row: ActionTokenRow = {
    id: newRowId(),
    streamId: input.streamId,
    name: input.name,
    tokenHash: box.lookupHash(token),
    tokenHint: token.slice(-4),
    actions: input.actions,
    createdAt: Date.now(),
    lastUsedAt: null,
  };
  return { token, row };
}

export function toActionToken(row: ActionTokenRow): ActionToken {
  return {
    id: row.id,
    streamId: row.streamId,
    name: row.name,
    actions: row.actions,
    hint: row.tokenHint,
    createdAt: new Date(row.createdAt),
    lastUsedAt: row.lastUsedAt == null ? null : new Date(row.lastUsedAt),
  };
}
