import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A secret that lives in a file of the data directory, created on first start with owner-only
 * permissions: the master key when PRISM_SECRET is not set, the admin token when PRISM_API_TOKEN is not.
 */
export function readOrCreateSecretFile(dataDir: string, name: string, create: () => string): { value: string; created: boolean; path: string } {
  const path = join(dataDir, name);
  if (existsSync(path)) {
    const value = readFileSync(path, "utf8").trim();
    if (value) return { value, created: false, path };
  }
  const value = create();
  writeFileSync(path, `${value}\n`, { mode: 0o600, flag: "w" });
  chmodSync(path, 0o600);
  return { value, created: true, path };
}
