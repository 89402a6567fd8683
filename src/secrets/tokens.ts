import { randomBytes, timingSafeEqual, createHash } from "node:crypto";

/** URL- and RTMP-path-safe random secret with a recognisable prefix (so log scrubbers can spot it). */
export function randomSecret(prefix: string, bytes = 24): string {
  return `${prefix}_${randomBytes(bytes).toString("base64url")}`;
}

export const newStreamKey = () => randomSecret("live");
export const newApiToken = () => randomSecret("prism");

/** Shows that a secret is set and which one, without revealing it: "••••••••wxyz". */
export function maskSecret(secret: string): string {
  return secret.length <= 8 ? "••••••••" : `••••••••${secret.slice(-4)}`;
}

/** Constant-time comparison that does not leak the length of the expected value either. */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}
