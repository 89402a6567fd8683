import type { Db } from "./client.js";
import type { SecretBox } from "../secrets/secret-box.js";
import { AccountsRepo } from "./accounts-repo.js";
import { ActionTokensRepo } from "./action-tokens-repo.js";
import { BroadcastSessionsRepo } from "./broadcast-sessions-repo.js";
import { CommentsRepo } from "./comments-repo.js";
import { DestinationSettingsRepo } from "./destination-settings-repo.js";
import { DestinationsRepo } from "./destinations-repo.js";
import { EventsRepo } from "./events-repo.js";
import { MediaRepo } from "./media-repo.js";
import { OAuthStatesRepo } from "./oauth-states-repo.js";
import { RecordingsRepo } from "./recordings-repo.js";
import { ScheduledEventsRepo } from "./scheduled-events-repo.js";
import { SessionsRepo } from "./sessions-repo.js";
import { StreamsRepo } from "./streams-repo.js";
import { TokensRepo } from "./tokens-repo.js";
import { WebhookDeliveriesRepo } from "./webhook-deliveries-repo.js";
import { WebhookSubscriptionsRepo } from "./webhook-subscriptions-repo.js";

/**
 * The storage contract every dialect meets (issue #21). The SQLite repositories are the reference: each store is
 * the same methods answering with promises, because PostgreSQL can only answer that way. SQLite keeps its
 * synchronous repositories underneath and wraps them (`wrapSync`), so its behaviour does not change.
 */
export type Async<R> = {
  [K in keyof R]: R[K] extends (...args: infer A) => infer T ? (...args: A) => Promise<Awaited<T>> : never;
};

export type AccountsStore = Async<AccountsRepo>;
export type ActionTokensStore = Async<ActionTokensRepo>;
export type BroadcastSessionsStore = Async<BroadcastSessionsRepo>;
export type CommentsStore = Async<CommentsRepo>;
export type DestinationSettingsStore = Async<DestinationSettingsRepo>;
export type DestinationsStore = Async<DestinationsRepo>;
export type EventsStore = Async<EventsRepo>;
export type MediaStore = Async<MediaRepo>;
export type OAuthStatesStore = Async<OAuthStatesRepo>;
export type RecordingsStore = Async<RecordingsRepo>;
export type ScheduledEventsStore = Async<ScheduledEventsRepo>;
export type SessionsStore = Async<SessionsRepo>;
export type StreamsStore = Async<StreamsRepo>;
export type TokensStore = Async<TokensRepo>;
export type WebhookDeliveriesStore = Async<WebhookDeliveriesRepo>;
export type WebhookSubscriptionsStore = Async<WebhookSubscriptionsRepo>;

export type Dialect = "sqlite" | "postgres";

export interface Store {
  readonly dialect: Dialect;
  accounts: AccountsStore;
  actionTokens: ActionTokensStore;
  broadcastSessions: BroadcastSessionsStore;
  comments: CommentsStore;
  destinationSettings: DestinationSettingsStore;
  destinations: DestinationsStore;
  events: EventsStore;
  media: MediaStore;
  oauthStates: OAuthStatesStore;
  recordings: RecordingsStore;
  scheduledEvents: ScheduledEventsStore;
  sessions: SessionsStore;
  streams: StreamsStore;
  tokens: TokensStore;
  webhookDeliveries: WebhookDeliveriesStore;
  webhookSubscriptions: WebhookSubscriptionsStore;
}

/**
 * A synchronous repository seen through the async contract. A throw becomes a rejection, so callers handle
 * SQLite's and PostgreSQL's failures the same way. Methods are looked up on each call, so a repository's own
 * `this` and any later replacement of a method (none today) are kept.
 */
export function wrapSync<R extends object>(repo: R): Async<R> {
  return new Proxy(repo, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        try {
          return Promise.resolve((value as (...a: unknown[]) => unknown).apply(target, args));
        } catch (err) {
          return Promise.reject(err);
        }
      };
    },
  }) as unknown as Async<R>;
}

/** The synchronous SQLite repositories, one each, for the few paths that must not wait (see sqliteStore). */
export interface SqliteRepos {
  accounts: AccountsRepo;
  actionTokens: ActionTokensRepo;
  broadcastSessions: BroadcastSessionsRepo;
  comments: CommentsRepo;
  destinationSettings: DestinationSettingsRepo;
  destinations: DestinationsRepo;
  events: EventsRepo;
  media: MediaRepo;
  oauthStates: OAuthStatesRepo;
  recordings: RecordingsRepo;
  scheduledEvents: ScheduledEventsRepo;
  sessions: SessionsRepo;
  streams: StreamsRepo;
  tokens: TokensRepo;
  webhookDeliveries: WebhookDeliveriesRepo;
  webhookSubscriptions: WebhookSubscriptionsRepo;
}

export function sqliteRepos(db: Db, box: SecretBox): SqliteRepos {
  return {
    accounts: new AccountsRepo(db, box),
    actionTokens: new ActionTokensRepo(db, box),
    broadcastSessions: new BroadcastSessionsRepo(db),
    comments: new CommentsRepo(db),
    destinationSettings: new DestinationSettingsRepo(db),
    destinations: new DestinationsRepo(db, box),
    events: new EventsRepo(db),
    media: new MediaRepo(db),
    oauthStates: new OAuthStatesRepo(db, box),
    recordings: new RecordingsRepo(db),
    scheduledEvents: new ScheduledEventsRepo(db),
    sessions: new SessionsRepo(db, box),
    streams: new StreamsRepo(db, box),
    tokens: new TokensRepo(db, box),
    webhookDeliveries: new WebhookDeliveriesRepo(db),
    webhookSubscriptions: new WebhookSubscriptionsRepo(db, box),
  };
}

/** The SQLite repositories behind the async contract. */
export function sqliteStore(repos: SqliteRepos): Store {
  const wrapped = Object.fromEntries(Object.entries(repos).map(([name, repo]) => [name, wrapSync(repo as object)]));
  return { dialect: "sqlite", ...(wrapped as Omit<Store, "dialect">) };
}
