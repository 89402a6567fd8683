import { renameSync, writeFileSync } from "node:fs";
import { newApiToken, secretsEqual } from "../secrets/tokens.js";

/**
 * The admin token: from PRISM_API_TOKEN, or generated once into the data dir. It always has every
 * scope. A file-backed one can be rotated at run time; one from the environment belongs to whoever
 * set the variable, so Prism refuses to rotate it rather than silently diverge from the setting.
 */
export class AdminToken {
  constructor(
    private current: string,
    readonly source: "env" | "file",
    readonly path: string | undefined,
    readonly created: boolean,
  ) {}

  get value(): string {
    return this.current;
  }

  matches(given: string): boolean {
    return secretsEqual(given, this.current);
  }

  get rotatable(): boolean {
    return this.source === "file" && this.path !== undefined;
  }

  /** A new token, written to the data-dir file first so a crash never loses the only valid one. */
  rotate(): string {
    if (!this.rotatable || !this.path) throw new Error("the admin token comes from PRISM_API_TOKEN");
    const next = newApiToken();
    const temp = `${this.path}.new`;
    writeFileSync(temp, `${next}\n`, { mode: 0o600 });
    renameSync(temp, this.path);
    this.current = next;
    return next;
  }
}
