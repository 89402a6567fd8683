import type { PgDb } from "./client.js";
import type { SecretBox } from "../../secrets/secret-box.js";
import type { Store } from "../store.js";
import { PgAccountsRepo } from "./accounts-repo.js";
import { PgActionTokensRepo } from "./action-tokens-repo.js";
import { PgBroadcastSessionsRepo } from "./broadcast-sessions-repo.js";
import { PgCommentsRepo } from "./comments-repo.js";
import { PgDestinationSettingsRepo } from "./destination-settings-repo.js";
import { PgDestinationsRepo } from "./destinations-repo.js";
import { PgEventsRepo } from "./events-repo.js";
import { PgMediaRepo } from "./media-repo.js";
import { PgOAuthStatesRepo } from "./oauth-states-repo.js";
import { PgRecordingsRepo } from "./recordings-repo.js";
import { PgScheduledEventsRepo } from "./scheduled-events-repo.js";
import { PgSessionsRepo } from "./sessions-repo.js";
import { PgStreamsRepo } from "./streams-repo.js";
import { PgTokensRepo } from "./tokens-repo.js";
import { PgWebhookDeliveriesRepo } from "./webhook-deliveries-repo.js";
import { PgWebhookSubscriptionsRepo } from "./webhook-subscriptions-repo.js";

/**
 * The PostgreSQL repositories written so far, by their name in Store. Each meets the same contract as its SQLite
 * twin (test/store/*.contract.test.ts runs the same assertions on both); the rest of Store follows (#21, S3).
 */
export function pgRepos(db: PgDb, box: SecretBox) {
  return {
    streams: new PgStreamsRepo(db, box),
    destinations: new PgDestinationsRepo(db, box),
    destinationSettings: new PgDestinationSettingsRepo(db),
    tokens: new PgTokensRepo(db, box),
    sessions: new PgSessionsRepo(db, box),
    accounts: new PgAccountsRepo(db, box),
    oauthStates: new PgOAuthStatesRepo(db, box),
    media: new PgMediaRepo(db),
    actionTokens: new PgActionTokensRepo(db, box),
    webhookSubscriptions: new PgWebhookSubscriptionsRepo(db, box),
    events: new PgEventsRepo(db),
    scheduledEvents: new PgScheduledEventsRepo(db),
    webhookDeliveries: new PgWebhookDeliveriesRepo(db),
    broadcastSessions: new PgBroadcastSessionsRepo(db),
    recordings: new PgRecordingsRepo(db),
    comments: new PgCommentsRepo(db),
  } satisfies Partial<Store>;
}

export type PgRepos = ReturnType<typeof pgRepos>;
