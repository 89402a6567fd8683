import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";

const VERSION = "v1";

/**
 * Encrypts secrets at rest (stream keys now, OAuth tokens later) with AES-256-GCM, and hashes them
 * with a keyed HMAC for lookups. Both keys are derived from one master secret, so the database
 * file alone reveals nothing.
 */
export class SecretBox {
  private readonly encKey: Buffer;
  private readonly macKey: Buffer;

  constructor(masterSecret: string | Buffer) {
    const ikm = Buffer.from(masterSecret);
    this.encKey = Buffer.from(hkdfSync("sha256", ikm, "prism", "prism/encrypt/v1", 32));
    this.macKey = Buffer.from(hkdfSync("sha256", ikm, "prism", "prism/lookup-hash/v1", 32));
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.encKey, iv);
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url")}`;
  }

  decrypt(sealed: string): string {
    const [version, data] = sealed.split(":");
    if (version !== VERSION || !data) throw new Error("Unknown secret format");
    const raw = Buffer.from(data, "base64url");
    const decipher = createDecipheriv("aes-256-gcm", this.encKey, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  }

  /** Deterministic keyed hash, for finding a row by a secret it holds. */
  lookupHash(secret: string): string {
    return createHmac("sha256", this.macKey).update(secret).digest("hex");
  }
}
