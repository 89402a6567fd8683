import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Per-test scratch directories (recordings, SQLite files). mkdtemp gives each suite its own
 * directory, so parallel suites never share or delete each other's files.
 */

const created = new Set<string>();

/** Creates `<os.tmpdir()>/<prefix>XXXXXX` and remembers it for removeTempDirs(). */
export async function makeTempDir(prefix = "prism-test-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  created.add(dir);
  return dir;
}

/**
 * Set PRISM_KEEP_TEST_TMP=1 to keep recordings of a failing test for inspection with ffprobe.
 */
function keep(): boolean {
  return process.env.PRISM_KEEP_TEST_TMP === "1";
}

export async function removeTempDir(dir: string): Promise<void> {
  created.delete(dir);
  if (keep()) return;
  await rm(dir, { recursive: true, force: true });
}

/** Removes every directory made by makeTempDir() in this process (call after killAll()). */
export async function removeTempDirs(): Promise<void> {
  await Promise.all([...created].map((dir) => removeTempDir(dir)));
}
