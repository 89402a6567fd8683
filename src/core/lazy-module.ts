import { createRequire } from "node:module";

/**
 * A CommonJS package loaded the first time it is used instead of when Prism starts. For packages
 * only some set-ups ever need (a platform's chat over gRPC, OAuth, a platform's post-length counting): a relay that
 * never links an account does not carry them in memory. `from` is the caller's import.meta.url.
 */
export function lazyModule<T>(from: string, id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= createRequire(from)(id) as T);
}
