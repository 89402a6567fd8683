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
 * The store on PostgreSQL: the sixteen repositories of src/db/pg, each meeting the same contract as its SQLite
 * twin (test/store/*.contract.test.ts runs the same assertions on both). Secrets are encrypted with the same
 * SecretBox, so a PRISM_SECRET moves with the data.
 */
export function pgStore(db: PgDb, box: SecretBox): Store {
  return {
    dialect: "postgres",
    accounts: new PgAccountsRepo(db, box),
    actionTokens: new PgActionTokensRepo(db, box),
    broadcastSessions: new PgBroadcastSessionsRepo(db),
    comments: new PgCommentsRepo(db),
    destinationSettings: new PgDestinationSettingsRepo(db),
    destinations: new PgDestinationsRepo(db, box),
    events: new PgEventsRepo(db),
    media: new PgMediaRepo(db),
    oauthStates: new PgOAuthStatesRepo(db, box),
    recordings: new PgRecordingsRepo(db),
    scheduledEvents: new PgScheduledEventsRepo(db),
    sessions: new PgSessionsRepo(db, box),
    streams: new PgStreamsRepo(db, box),
    tokens: new PgTokensRepo(db, box),
    webhookDeliveries: new PgWebhookDeliveriesRepo(db),
    webhookSubscriptions: new PgWebhookSubscriptionsRepo(db, box),
  };
}
