import { fileURLToPath } from "node:url";
import { spawnTracked, type TrackedProcess } from "../support/children.js";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** `prism …` as a real process: the TypeScript entry run by node through tsx, as `npm run dev` does. */
export function spawnCli(args: string[], env: Record<string, string | undefined> = {}): TrackedProcess {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PRISM_")));
  return spawnTracked(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
    cwd: repoRoot,
    env: { ...clean, ...env } as NodeJS.ProcessEnv,
    collectStdout: true,
  });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const child = spawnCli(args, env);
  const exit = await child.exited;
  return { code: exit.code, stdout: child.stdout(), stderr: exit.stderr };
}
