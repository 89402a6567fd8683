import type { z } from "zod";

/**
 * A platform's settings, as its folder declares them. Prism derives the common part for every
 * platform that declares a config, named after its id (PRISM_<ID>_…, uppercased):
 *
 *   PRISM_<ID>_CLIENT_ID, PRISM_<ID>_CLIENT_SECRET  the OAuth app (needed to link accounts)
 *   PRISM_<ID>_AUTH_URL, _TOKEN_URL, _API_URL       base URLs, overridable so tests and proxies can stand in
 *
 * and adds the platform's own settings from `env` (each named PRISM_<ID>_…, described with
 * `.describe()`: that text is what `prism start --help` shows). prism.config.json takes the same
 * settings in camelCase (PRISM_TWO_WORDS → twoWords), as for every other setting.
 */
export interface PlatformConfig<Options = unknown> {
  /** Default base URLs; `token` defaults to `auth` (platforms whose token endpoint is elsewhere name it). */
  urls: { auth: string; token?: string; api: string };
  /** The platform's own settings: environment name → zod schema (with default and description). */
  env: z.ZodRawShape;
  /** The platform's options, from its own settings once they are valid. */
  options(env: Record<string, unknown>): Options;
}

/** Declares a platform config with `options` typed by its `env` schemas. */
export function platformConfig<Shape extends z.ZodRawShape, Options>(config: {
  urls: PlatformConfig["urls"];
  env: Shape;
  options(env: z.output<z.ZodObject<Shape>>): Options;
}): PlatformConfig<Options> {
  return config as PlatformConfig<Options>;
}

/** One platform's OAuth app, where its services are, and its own options: what its code is given. */
export interface PlatformSettings<Options = unknown> {
  /** undefined: accounts of this platform cannot be linked until it is set. */
  clientId: string | undefined;
  clientSecret: string | undefined;
  authUrl: string;
  tokenUrl: string;
  apiUrl: string;
  options: Options;
}

/** The prefix of a platform's settings: PRISM_<ID>_. */
export const envPrefix = (platformId: string) => `PRISM_${platformId.toUpperCase()}_`;
