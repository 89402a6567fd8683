import { z } from "@hono/zod-openapi";
import { examplePlatform, linkablePlatformIds, platformName } from "./platform-examples.js";

const example = examplePlatform.id;
const exampleOauth = examplePlatform.accounts!.oauth;

const accountExample = {
  id: "a4e0c1d2-7b3f-4e5a-9c8d-1f2e3a4b5c6d",
  platform: example,
  platformUserId: "141981764",
  displayName: "speedy_streams",
  scopes: [...exampleOauth.scopes],
  expiresAt: "2026-11-24T10:00:00.000Z",
  status: "ok" as const,
  statusReason: null,
  createdAt: "2026-11-24T06:00:00.000Z",
  updatedAt: "2026-11-24T06:00:00.000Z",
};

/** The platforms whose accounts can be linked: every platform of the registry with `accounts`. */
export const LinkablePlatformSchema = z.enum(linkablePlatformIds);

export const PlatformParam = z.object({
  platform: LinkablePlatformSchema.openapi({ param: { name: "platform", in: "path" }, example }),
});
export const AccountIdParam = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" }, example: accountExample.id }) });

export const AccountSchema = z
  .object({
    id: z.string(),
    platform: z.string(),
    platformUserId: z.string().openapi({ description: "The platform's own id of the user" }),
    displayName: z.string(),
    scopes: z.array(z.string()).openapi({ description: "What the platform granted Prism" }),
    expiresAt: z.string().nullable().openapi({ description: "When the current access token expires (Prism refreshes it before); null: the platform did not say" }),
    status: z.enum(["ok", "needs_reconnect"]).openapi({ description: "needs_reconnect: the platform refused to refresh the token; connect the account again" }),
    statusReason: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Account", { description: "A linked platform account. Its tokens are never shown.", example: accountExample });

export const AccountPlatformSchema = z
  .object({
    platform: LinkablePlatformSchema,
    displayName: z.string(),
    configured: z.boolean().openapi({ description: "false: set PRISM_<PLATFORM>_CLIENT_ID and _CLIENT_SECRET to link accounts of this platform" }),
    pkce: z.boolean(),
    redirectUri: z.string().openapi({ description: "The redirect URI to register with the platform's app" }),
  })
  .openapi("AccountPlatform", {
    example: { platform: example, displayName: examplePlatform.displayName, configured: true, pkce: exampleOauth.pkce, redirectUri: `https://prism.example.com/api/v1/oauth/${example}/callback` },
  });

export const ConnectAnswerSchema = z
  .object({
    platform: LinkablePlatformSchema,
    authorizeUrl: z.string().openapi({ description: "Send the browser here (a one-time link)" }),
    redirectUri: z.string(),
    expiresAt: z.string().openapi({ description: "The link is good until then, once" }),
  })
  .openapi("AccountConnect", {
    example: {
      platform: example,
      authorizeUrl: `${examplePlatform.config!.urls.auth}${exampleOauth.authorizePath}?response_type=code&client_id=wbmytr93xzw8zbg0p1izqyzzc5mbiz&redirect_uri=…&state=…&scope=${encodeURIComponent(exampleOauth.scopes[0] ?? "")}+…`,
      redirectUri: `https://prism.example.com/api/v1/oauth/${example}/callback`,
      expiresAt: "2026-11-24T06:10:00.000Z",
    },
  });

export const UnlinkAnswerSchema = z
  .object({
    id: z.string(),
    revoked: z.boolean().openapi({ description: "Whether the platform confirmed that Prism's access was revoked" }),
    message: z.string(),
  })
  .openapi("AccountUnlinked", { example: { id: accountExample.id, revoked: true, message: `Prism's access to the ${platformName(examplePlatform)} account was revoked.` } });

export const CallbackQuerySchema = z.object({
  code: z.string().max(4096).optional(),
  state: z.string().max(512).optional(),
  error: z.string().max(512).optional(),
  error_description: z.string().max(2048).optional(),
  /** Some platforms' answer to a cancelled consent: `result=denied`, with no state. */
  result: z.string().max(64).optional(),
});
