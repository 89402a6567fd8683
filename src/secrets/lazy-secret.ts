/**
 * Defines `key` on `target` as a secret decrypted on first read. Most reads of a row never touch
 * its key (health, lists that mask it…), and AES-GCM per row per request adds up on hot paths.
 */
export function withLazySecret<T extends object, K extends string, V extends string | null = string>(target: T, key: K, decrypt: () => V): T & Record<K, V> {
  let value: V | undefined;
  return Object.defineProperty(target, key, {
    enumerable: true,
    get: () => (value ??= decrypt()),
  }) as T & Record<K, V>;
}
