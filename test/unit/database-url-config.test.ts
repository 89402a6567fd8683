import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

const base = { PRISM_DATA_DIR: "/tmp/unused" };

/** The error loadConfig throws for these settings (fails the test when it throws none). */
function refusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ ...base, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe("PRISM_DATABASE_URL", () => {
  it("is unset by default: the SQLite file in the data dir, as before", () => {
    expect(loadConfig(base).databaseUrl).toBeUndefined();
    expect(loadConfig({ ...base, PRISM_DATABASE_URL: "" }).databaseUrl).toBeUndefined();
    expect(loadConfig({ ...base, PRISM_DATABASE_URL: "  " }).databaseUrl).toBeUndefined();
  });

  it("takes postgres:// and postgresql:// URLs as given", () => {
    for (const url of ["postgres://prism:pw@db.example.com:5432/prism", "postgresql://127.0.0.1/prism", "postgres://u@[::1]:6543/x?sslmode=require"]) {
      expect(loadConfig({ ...base, PRISM_DATABASE_URL: url }).databaseUrl).toBe(url);
    }
  });

  it("refuses anything else with a message that says what to write, without repeating the value", () => {
    for (const bad of ["mysql://root:hunter2@db/prism", "sqlite:///data/prism.sqlite", "hunter2-not-a-url", "postgres://", "http://db.example.com/prism", "./prism.sqlite"]) {
      const error = refusal({ PRISM_DATABASE_URL: bad });
      expect(error.message, bad).toContain("PRISM_DATABASE_URL must be a PostgreSQL URL");
      expect(error.message, bad).toContain("postgres://");
      expect(error.message, bad).not.toContain("hunter2");
    }
  });
});
