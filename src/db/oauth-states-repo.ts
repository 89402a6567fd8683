import { and, eq, isNull, lt } from "drizzle-orm";
import type { Db } from "./client.js";
import { oauthStates } from "./schema/index.js";
import type { SecretBox } from "../secrets/secret-box.js";

/** How long a used or expired state is remembered, so a late or repeated callback gets a precise answer. */
const REMEMBER_MS = 24 * 3_600_000;

export type StateCheck =
  | { ok: true; platform: string; codeVerifier: string | null; redirectUri: string }
  | { ok: false; reason: "unknown" | "expired" | "used" };

/** One-time `state` values of linking flows in progress, each with its PKCE verifier (encrypted). */
export class OAuthStatesRepo {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {}

  create(input: { state: string; platform: string; codeVerifier: string | null; redirectUri: string; expiresAt: Date }): void {
    const now = Date.now();
    this.db.delete(oauthStates).where(lt(oauthStates.expiresAt, now - REMEMBER_MS)).run();
    this.db
      .insert(oauthStates)
      .values({
        stateHash: this.box.lookupHash(input.state),
        platform: input.platform,
        codeVerifierEnc: input.codeVerifier === null ? null : this.box.encrypt(input.codeVerifier),
        redirectUri: input.redirectUri,
        expiresAt: input.expiresAt.getTime(),
        usedAt: null,
        createdAt: now,
      })
      .run();
  }

  /** Uses up a state: it is good exactly once, before it expires. */
  consume(state: string): StateCheck {
    const hash = this.box.lookupHash(state);
    const now = Date.now();
    const row = this.db.select().from(oauthStates).where(eq(oauthStates.stateHash, hash)).get();
    if (!row) return { ok: false, reason: "unknown" };
    if (row.usedAt !== null) return { ok: false, reason: "used" };
    // Marked used whatever comes next: a state that reached the callback is never good again.
    const claimed = this.db
      .update(oauthStates)
      .set({ usedAt: now })
      .where(and(eq(oauthStates.stateHash, hash), isNull(oauthStates.usedAt)))
      .run().changes;
    if (claimed === 0) return { ok: false, reason: "used" };
    if (row.expiresAt <= now) return { ok: false, reason: "expired" };
    return { ok: true, platform: row.platform, codeVerifier: row.codeVerifierEnc === null ? null : this.box.decrypt(row.codeVerifierEnc), redirectUri: row.redirectUri };
  }
}
