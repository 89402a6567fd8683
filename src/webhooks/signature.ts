import { createHmac } from "node:crypto";

export const SIGNATURE_HEADER = "Prism-Signature";

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (the Stripe scheme, which receivers and
 * Zapier code steps already know). The timestamp is signed with the body, so a receiver that rejects
 * old timestamps also rejects replays; `v1` leaves room for a second scheme during a rotation.
 */
export function signatureHeader(secret: string, body: string, timestampSec: number): string {
  const mac = createHmac("sha256", secret).update(`${timestampSec}.${body}`).digest("hex");
  return `t=${timestampSec},v1=${mac}`;
}
