import { expect } from "vitest";
import { withPrismDatabase } from "../support/db.js";
import type { TestPrism } from "../support/prism.js";
import type { OAuthServer } from "../fakes/oauth-server.js";

/**
 * Links an account the way a person does: the dashboard asks Prism for the authorize URL, the
 * browser follows the platform's 302 back to Prism's callback, Prism's 302 lands on the dashboard.
 * Every hop is a real HTTP request with `redirect: "manual"`.
 */
export async function linkThroughBrowser(t: Pick<TestPrism, "api">, platform: string, oauth: OAuthServer): Promise<{ location: URL; authorize: URL; callback: URL }> {
  const started = await t.api("POST", `/api/v1/accounts/${platform}/connect`);
  expect(started.status, started.text).toBe(200);
  oauth.redirectUris.add(started.body.redirectUri);
  const authorize = new URL(started.body.authorizeUrl);
  const atPlatform = await fetch(authorize, { redirect: "manual" });
  expect(atPlatform.status, await atPlatform.clone().text()).toBe(302);
  const callback = new URL(atPlatform.headers.get("location")!);
  const atPrism = await fetch(callback, { redirect: "manual" });
  expect(atPrism.status, await atPrism.clone().text()).toBe(302);
  return { location: new URL(atPrism.headers.get("location")!, callback), authorize, callback };
}

/** No token may be readable in the database: the SQLite file and its write-ahead log, or every PostgreSQL row. */
export async function expectNotInDatabase(dataDir: string, secrets: string[]): Promise<void> {
  const stored = await withPrismDatabase(dataDir, (db) => db.storedText());
  expect(stored.length).toBeGreaterThan(0);
  for (const secret of secrets) {
    expect(stored.includes(secret), `a token ending in ${secret.slice(-4)} is readable in the database`).toBe(false);
  }
}
