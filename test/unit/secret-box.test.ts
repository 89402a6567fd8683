import { describe, expect, it } from "vitest";
import { SecretBox } from "../../src/secrets/secret-box.js";
import { maskSecret, newStreamKey, secretsEqual } from "../../src/secrets/tokens.js";

describe("SecretBox", () => {
  const box = new SecretBox("a master secret of enough length");

  it("decrypts what it encrypted, with a fresh IV each time", () => {
    const a = box.encrypt("live_abc");
    const b = box.encrypt("live_abc");
    expect(a).not.toEqual(b);
    expect(a).not.toContain("live_abc");
    expect(box.decrypt(a)).toBe("live_abc");
    expect(box.decrypt(b)).toBe("live_abc");
  });

  it("refuses tampered ciphertext and a different master secret", () => {
    const sealed = box.encrypt("secret");
    const raw = Buffer.from(sealed.slice(3), "base64url");
    raw[raw.length - 1]! ^= 1;
    expect(() => box.decrypt(`v1:${raw.toString("base64url")}`)).toThrow();
    expect(() => new SecretBox("another master secret, long").decrypt(sealed)).toThrow();
  });

  it("hashes deterministically per master secret", () => {
    expect(box.lookupHash("k")).toBe(box.lookupHash("k"));
    expect(box.lookupHash("k")).not.toBe(box.lookupHash("k2"));
    expect(new SecretBox("another master secret, long").lookupHash("k")).not.toBe(box.lookupHash("k"));
  });
});

describe("tokens", () => {
  it("makes RTMP-path-safe stream keys and masks all but the last four characters", () => {
    const key = newStreamKey();
    expect(key).toMatch(/^live_[A-Za-z0-9_-]{32}$/);
    expect(maskSecret(key)).toBe(`••••••••${key.slice(-4)}`);
    expect(maskSecret("short")).toBe("••••••••");
  });

  it("compares secrets exactly", () => {
    expect(secretsEqual("abc", "abc")).toBe(true);
    expect(secretsEqual("abc", "abd")).toBe(false);
    expect(secretsEqual("abc", "abcd")).toBe(false);
  });
});
