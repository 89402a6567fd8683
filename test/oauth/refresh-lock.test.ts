import { afterAll, afterEach, describe, expect, it } from "vitest";
import { EventBus } from "../../src/bus.js";
import { loadConfig } from "../../src/config.js";
import { openPostgres } from "../../src/db/pg/client.js";
import { pgStore } from "../../src/db/pg/store.js";
import type { Store } from "../../src/db/store.js";
import { platforms } from "../../src/destinations/registry.js";
import { createLogger } from "../../src/log.js";
import { OAuthClient } from "../../src/oauth/oauth-client.js";
import { TokenKeeper } from "../../src/oauth/token-keeper.js";
import { SecretBox } from "../../src/secrets/secret-box.js";
import { startKickFake, KICK_USER } from "../fakes/kick.js";
import { startXFake, X_USER } from "../fakes/x.js";
import type { FakeUser, OAuthServer } from "../fakes/oauth-server.js";
import type { FakeServer } from "../fakes/http.js";
import { openTestPostgres } from "../support/pg.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";

/**
 * One OAuth refresher per account over every node (issue #21). X and Kick rotate refresh tokens and refuse a
 * used one, so two nodes refreshing at once would leave one of them with a refused grant and the account marked
 * needs_reconnect. Here two TokenKeepers, each on its own pool (two processes' worth), refresh one account at
 * the same moment against the platform's fake token endpoint: it is called once, and both end with its token.
 */
const box = new SecretBox("refresh-lock-tests-master-secret-0123456789");
const log = createLogger({ level: "silent" });

describe("one refresher per account across nodes (PostgreSQL)", () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0).reverse()) await close();
  });
  afterAll(removeTempDirs);

  async function twoNodes<F extends FakeServer & { oauth: OAuthServer; env(): Record<string, string> }>(fake: F, platform: "x" | "kick", user: FakeUser) {
    cleanup.push(() => fake.close());
    const config = loadConfig({ PRISM_DATA_DIR: await makeTempDir("prism-refresh-lock-"), ...fake.env() });
    const settings = config.accounts.platforms[platform]!;
    const adapter = platforms[platform];
    const client = new OAuthClient(adapter.displayName, adapter.accounts.oauth, { ...settings, clientId: settings.clientId!, clientSecret: settings.clientSecret! }, 5_000);
    const first = await openTestPostgres();
    cleanup.push(first.close);
    const second = await openPostgres(first.database.url);
    cleanup.push(second.close);
    const stores: Store[] = [pgStore(first.db, box), pgStore(second.db, box)];
    const reconnects: unknown[] = [];
    const keepers = stores.map((store) => {
      const bus = new EventBus();
      bus.on("account.needs_reconnect", (e) => reconnects.push(e));
      return new TokenKeeper(store.accounts, new Map([[platform, client]]), bus, log, { refreshMarginMs: 60_000, apiTimeoutMs: 5_000 });
    });
    const granted = fake.oauth.grant(user, []);
    const account = await stores[0]!.accounts.link({
      platform,
      platformUserId: user.id,
      displayName: user.displayName,
      accessToken: granted.access_token,
      refreshToken: granted.refresh_token!,
      // Expired: both nodes want to refresh it before their next call.
      expiresAt: new Date(Date.now() - 1_000),
      scopes: [],
    });
    return { stores, keepers, account, reconnects, granted };
  }

  for (const [platform, start, user] of [
    ["x", () => startXFake(), X_USER],
    ["kick", () => startKickFake(), KICK_USER],
  ] as const) {
    it(`${platform}: two nodes refreshing one expired account at once make one refresh call and both use its token`, async () => {
      const fake = await start();
      const { stores, keepers, account, reconnects, granted } = await twoNodes(fake, platform, user);
      const [a, b] = await Promise.all(keepers.map((k) => k.fresh(account.id)));
      expect(fake.oauth.counts.refresh_token).toBe(1);
      expect(fake.oauth.counts.refused).toBe(0);
      const stored = (await stores[1]!.accounts.get(account.id))!;
      expect(stored).toMatchObject({ status: "ok", statusReason: null });
      expect(stored.accessToken).not.toBe(granted.access_token);
      expect(stored.refreshToken).not.toBe(granted.refresh_token);
      expect(a!.accessToken).toBe(stored.accessToken);
      expect(b!.accessToken).toBe(stored.accessToken);
      expect(stored.expiresAt!.getTime()).toBeGreaterThan(Date.now());

      // A platform's 401 makes both nodes force a refresh at once, round after round: still one call each time.
      for (let round = 2; round <= 5; round++) {
        const seen = (await stores[0]!.accounts.get(account.id))!.accessToken;
        const forced = await Promise.all(keepers.map((k) => k.fresh(account.id, true)));
        expect(fake.oauth.counts.refresh_token).toBe(round);
        const now = (await stores[0]!.accounts.get(account.id))!;
        expect(now.accessToken).not.toBe(seen);
        expect(forced.map((f) => f.accessToken)).toEqual([now.accessToken, now.accessToken]);
      }
      expect(fake.oauth.counts.refused).toBe(0);
      expect(reconnects).toEqual([]);
    });
  }
});
