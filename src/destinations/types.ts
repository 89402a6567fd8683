import type { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AccountSupport } from "./account-types.js";
import type { IncomingChatMessage } from "./chat-types.js";
import type { PlatformConfig, PlatformSettings } from "./platform-config.js";
import type { IngestLimits } from "../core/ingest-limits.js";

export type { IngestLimits };

export type IngestCheck = { ok: true; url: string; streamKey: string } | { ok: false; message: string };

/**
 * One streaming platform: everything Prism knows about it lives in its folder
 * (src/destinations/<id>/) behind this interface, and the folder is listed once in platform-list.ts (one line), which registry.ts reads.
 * Nothing outside the folder and the registry names the platform (test/unit/platform-names.test.ts);
 * the rest of Prism derives what it needs from the registry:
 *
 * - settings (config.ts):   `config` → PRISM_<ID>_CLIENT_ID, _CLIENT_SECRET, _AUTH_URL, _TOKEN_URL,
 *                           _API_URL and the platform's own PRISM_<ID>_… settings (platform-config.ts)
 * - accounts (account.ts):  `accounts` → OAuth profile and scopes, identity, ingest resolution,
 *                           go-live wrap-up, chat (read, send, moderate) (account-types.ts, chat-types.ts)
 * - viewers:                `accounts`' `viewers` reads a linked destination's live viewer count
 *                           (viewer-types.ts); `noViewerCount` says why a platform has none
 * - limits (limits.ts):     `limits` → transcoding plans and ingest warnings
 * - the API:                GET /api/v1/platforms lists every platform (the dashboard reads it);
 *                           /api/v1/accounts/<id>/… exists for platforms with `accounts`;
 *                           `routes` are mounted under /api/v1/platforms/<id>/
 * - per destination:        `destinationSettings` → the API's `<id>` field, kept in destination_settings;
 *                           `dashboardPanel` (panel.js) → its part of the dashboard's destination card
 *
 * Options left out are capabilities the platform does not have.
 */
export interface PlatformAdapter<Options = any> {
  /** Lowercase letters and digits: the value of `platform` in the API, and the settings prefix PRISM_<ID>_. */
  id: string;
  /** The label lists and menus show (e.g. "Custom RTMP(S)"). */
  displayName: string;
  /** The name sentences use ("Link your … account"); default: displayName. */
  name?: string;
  /** A short mark for the dashboard's badges (1–3 characters); default: the first letter of the name. */
  mark?: string;
  /** The badge's background (a CSS hex colour, white text on it); default: grey. */
  color?: string;
  /** Validates and normalises an ingest URL and stream key typed in by the streamer. */
  checkIngest(input: { url: string; streamKey: string }): IngestCheck;
  limits: IngestLimits | null;
  /** The platform's settings (config.ts); required with `accounts`, whose code is given them. */
  config?: PlatformConfig<Options>;
  /** Linking an account with OAuth, and what a linked account does (account-types.ts); absent: URL + key only. */
  accounts?: AccountSupport<Options>;
  /**
   * Set when the streamer types URL and key in even with a linked account (its API hands out no
   * stream keys): why, as the API says it when they are missing. Unset, a destination with a
   * linked account gets its ingest from the platform (`accounts`' ingest) before every connection.
   */
  typedIngest?: string;
  /**
   * Settings a destination of this platform keeps besides URL and key (e.g. where its chat is read),
   * kept as JSON in the generic destination_settings table; its chat reader reads them back through
   * its stream's `live` (account-api.ts).
   */
  destinationSettings?: DestinationSettingsSupport;
  /**
   * Its folder holds panel.js: a dashboard module (Preact + htm, importing the dashboard's own by
   * absolute path, e.g. /assets/api.js) exporting `Panel({ streamId, dest, onSaved })`, which the
   * dashboard shows on each of its destinations' cards (served at /assets/platforms/<id>/panel.js).
   */
  dashboardPanel?: boolean;
  /**
   * Why this platform's destinations never have a live viewer count (e.g. a plain RTMP server), as
   * health says it; platforms whose linked accounts read one (`accounts`' viewers) leave it out.
   */
  noViewerCount?: string;
  /** Extra HTTP routes (e.g. a webhook the platform posts to), under /api/v1/platforms/<id>/; documented in the OpenAPI document. */
  routes?(deps: PlatformRouteDeps<Options>): PlatformRoutes;
}

/**
 * Per-destination settings of a platform: the destinations API accepts and shows them as the field
 * named after the platform's id (`{ "platform": "<id>", "<id>": { … } }`); Prism stores what
 * `patch` returns and shows it with `show`. The chat reader and the platform's routes read them back.
 */
export interface DestinationSettingsSupport<Input = any, Stored = any, View = any> {
  /** The field as create and update accept it (a zod-openapi schema with a component name: it is documented). */
  input: z.ZodType<Input>;
  /** The field as the API shows it. */
  view: z.ZodType<View>;
  /** What they are called in messages (e.g. "chat settings"). */
  label: string;
  /** The OpenAPI descriptions of the field on input and in answers. */
  describe: { input: string; view: string };
  /** They need a linked account: why, for the message when accountId is missing. */
  needsAccount: string;
  /** What a destination that never stored any has: every stored field, so `show` and readers see all of them. */
  defaults: Stored;
  /** What to store for an accepted input (fields left out keep their value; a JSON object). */
  patch(input: Input): Partial<Stored>;
  show(stored: Stored): View;
}

/** Where destination settings are kept (the composition root provides it). */
export interface DestinationSettingsStore {
  get(destinationId: string): Promise<unknown>;
  update(destinationId: string, patch: unknown): Promise<unknown>;
}

/** What a platform's routes are given: its settings, the API's tools, and the comment feed. */
export interface PlatformRouteDeps<Options = unknown> {
  settings: PlatformSettings<Options>;
  /** Where the routes go: /api/v1/platforms/<id>. */
  basePath: string;
  /** The API's router (its validation errors come out in the API's one error shape) and that shape. */
  api: {
    router(): OpenAPIHono;
    ErrorSchema: z.ZodType;
    errorBody(code: string, message: string): { error: { code: string; message: string } };
  };
  /** The settings a destination of this platform keeps (`destinationSettings` of the destinations API), if any. */
  destinationSettings(destinationId: string): Promise<unknown>;
  chat: {
    /**
     * Hands messages the platform pushed (rather than a reader read) to the feeds of the live streams
     * with an enabled destination of this platform linked to the account `platformUserId` — of those,
     * only destinations `accepts` agrees to. How many streams took them.
     */
    deliver(platformUserId: string, messages: IncomingChatMessage[], accepts?: (destinationId: string) => Promise<boolean>): Promise<number>;
  };
}

export interface PlatformRoutes {
  app: OpenAPIHono;
  /** Paths that authenticate on their own (a platform's signature) instead of Prism's Bearer token. */
  publicPaths: readonly string[];
}
