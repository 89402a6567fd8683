import { and, eq, isNull, lt } from "drizzle-orm";
import type { PgDb } from "./client.js";
import { oauthStates } from "../schema-pg/index.js";
import type { SecretBox } from "../../secrets/secret-box.js";
import type { OAuthStatesStore } from "../store.js";
import { claimedState, oauthStateRow, REMEMBER_MS, type NewOAuthState, type StateCheck } from "../oauth-states-repo.js";

/** One-time OAuth `state` values in PostgreSQL (see OAuthStatesRepo), PKCE verifiers encrypted with the same SecretBox. */
export class PgOAuthStatesRepo implements OAuthStatesStore {
  constructor(
    private readonly db: PgDb,
    private readonly box: SecretBox,
  ) {}

  async create(input: NewOAuthState): Promise<void> {
    const now = Date.now();
    await this.db.delete(oauthStates).where(lt(oauthStates.expiresAt, now - REMEMBER_MS));
    await this.db.insert(oauthStates).values(oauthStateRow(input, this.box, now));
  }

  /** Claimed in one UPDATE ... WHERE used_at IS NULL RETURNING: a callback replayed on another node at the same moment gets "used". */
  async consume(state: string): Promise<StateCheck> {
    const hash = this.box.lookupHash(state);
    const now = Date.now();
    const [claimed] = await this.db
      .update(oauthStates)
      .set({ usedAt: now })
      .where(and(eq(oauthStates.stateHash, hash), isNull(oauthStates.usedAt)))
      .returning();
    if (claimed) return claimedState(claimed, this.box, now);
    const [known] = await this.db.select({ stateHash: oauthStates.stateHash }).from(oauthStates).where(eq(oauthStates.stateHash, hash));
    return { ok: false, reason: known ? "used" : "unknown" };
  }
}
