import { and, eq, isNull, lt } from "drizzle-orm";
import type { Db } from "./client.js";
import { oauthStates, type OAuthStateRow } from "./schema/index.js";
import type { SecretBox } from "../secrets/secret-box.js";

/** How long a used or expired state is remembered, so a late or repeated callback gets a precise answer. */
export const REMEMBER_MS = 24 * 3_600_000;

export interface NewOAuthState {
  state: string;
  platform: string;
  codeVerifier: string | null;
  redirectUri: string;
  expiresAt: Date;
}

export type StateCheck =
  | { ok: true; platform: string; codeVerifier: string | null; redirectUri: string }
  | { ok: false; reason: "unknown" | "expired" | "used" };

/** One-time `state` values of linking flows in progress, each with its PKCE verifier (encrypted). */
export class OAuthStatesRepo {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {}

  create(input: NewOAuthState): void {
    const now = Date.now();
    this.db.delete(oauthStates).where(lt(oauthStates.expiresAt, now - REMEMBER_MS)).run();
    this.db.insert(oauthStates).values(oauthStateRow(input, this.box, now)).run();
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
    return claimedState(row, this.box, now);
  }
}

export function oauthStateRow(input: NewOAuthState, box: SecretBox, now: number): OAuthStateRow {
  return {
    stateHash: box.lookupHash(input.state),
    platform: input.platform,
    codeVerifierEnc: input.codeVerifier === null ? null : box.encrypt(input.codeVerifier),
    redirectUri: input.redirectUri,
    expiresAt: input.expiresAt.getTime(),
    usedAt: null,
    createdAt: now,
  };
}

/** What a state this call has just marked used answers: expired, or good with its verifier. Shared with pg/oauth-states-repo.ts. */
export function claimedState(row: OAuthStateRow, box: SecretBox, now: number): StateCheck {
  if (row.expiresAt <= now) return { ok: false, reason: "expired" };
  return { ok: true, platform: row.platform, codeVerifier: row.codeVerifierEnc === null ? null : box.decrypt(row.codeVerifierEnc), redirectUri: row.redirectUri };
}
