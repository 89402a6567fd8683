import { and, asc, eq } from "drizzle-orm";
import type { PgDb } from "./client.js";
import { actionTokens } from "../schema-pg/index.js";
import type { SecretBox } from "../../secrets/secret-box.js";
import type { ActionTokensStore } from "../store.js";
import { newActionTokenRow, toActionToken, type ActionToken } from "../action-tokens-repo.js";

/** Automation action tokens in PostgreSQL (see ActionTokensRepo): keyed hashes only. */
export class PgActionTokensRepo implements ActionTokensStore {
  constructor(
    private readonly db: PgDb,
    private readonly box: SecretBox,
  ) {}

  async create(input: { streamId: string; name: string; actions: string[] }): Promise<{ token: string; record: ActionToken }> {
    const { token, row } = newActionTokenRow(input, this.box);
    await this.db.insert(actionTokens).values(row);
    return { token, record: toActionToken(row) };
  }

  async list(streamId: string): Promise<ActionToken[]> {
    const rows = await this.db.select().from(actionTokens).where(eq(actionTokens.streamId, streamId)).orderBy(asc(actionTokens.createdAt), asc(actionTokens.id));
    return rows.map(toActionToken);
  }

  async findByToken(token: string): Promise<ActionToken | undefined> {
    const [row] = await this.db.select().from(actionTokens).where(eq(actionTokens.tokenHash, this.box.lookupHash(token)));
    return row && toActionToken(row);
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.db.update(actionTokens).set({ lastUsedAt: at.getTime() }).where(eq(actionTokens.id, id));
  }

  async delete(streamId: string, id: string): Promise<boolean> {
    const gone = await this.db
      .delete(actionTokens)
      .where(and(eq(actionTokens.streamId, streamId), eq(actionTokens.id, id)))
      .returning({ id: actionTokens.id });
    return gone.length > 0;
  }
}
