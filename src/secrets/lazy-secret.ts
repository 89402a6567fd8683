/**
 * Defines `key` on `target` as a secret decrypted on first read. Most reads of a row never touch
 * its key (health, lists that mask it…), and AES-GCM per row per request adds up on hot paths.
 */
export function withLazySecret<T extends object, K extends string>(target: T, key: K, decrypt: () => string): T & Record<K, string> {
  let value: string | undefined;
  return Object.defineProperty(target, key, {
    enumerable: true,
    get: () => (value ??= decrypt()),
  }) as T & Record<K, string>;
}
