import { createHash, randomBytes } from "node:crypto";

/** RFC 7636: a 43-character verifier (32 random bytes) and its S256 challenge. */
export function newPkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: s256(verifier) };
}

export const s256 = (verifier: string) => createHash("sha256").update(verifier).digest("base64url");

/** An unguessable one-time value (CSRF `state`). */
export const newState = () => randomBytes(32).toString("base64url");
