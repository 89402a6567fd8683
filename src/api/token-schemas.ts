import { z } from "@hono/zod-openapi";
import { SCOPES } from "../db/tokens-repo.js";

export const ScopeSchema = z.enum(SCOPES).openapi({ description: "read: every GET · write: every change (implies read) · admin: token management (implies write) · moderate: a chat moderator — reads streams and their health, and everything on the stream's chat (history, live feed, send, hide, blocks, filters, chat modes), nothing else" });

export const CreateTokenBody = z
  .object({
    name: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters").openapi({ example: "grafana" }),
    scopes: z.array(ScopeSchema).min(1, "give at least one of read, write, admin, moderate").openapi({ example: ["read"] }),
  })
  .openapi("CreateToken", { example: { name: "grafana", scopes: ["read"] } });

const tokenExample = {
  id: "0d9e6f4a-3c1b-4f7e-9a51-2b8c7d6e5f40",
  name: "grafana",
  scopes: ["read" as const],
  hint: "x9Qa",
  createdAt: "2026-11-24T06:30:00.000Z",
  lastUsedAt: null,
};

export const TokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(ScopeSchema),
    hint: z.string().openapi({ description: "The token's last four characters, to tell tokens apart" }),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable().openapi({ description: "Updated at most once a minute" }),
  })
  .openapi("Token", { example: tokenExample });

export const CreatedTokenSchema = TokenSchema.extend({
  token: z.string().openapi({ description: "The token itself. Shown this once: Prism keeps only a hash of it." }),
}).openapi("CreatedToken", { example: { ...tokenExample, token: "prism_4kD0nXw8…x9Qa" } });

export const RotatedAdminTokenSchema = z
  .object({ token: z.string().openapi({ description: "The new admin token; the old one stopped working. Also written to <data dir>/api-token." }) })
  .openapi("RotatedAdminToken", { example: { token: "prism_Zq1…Lm3w" } });

export const TokenIdParam = z.object({ tokenId: z.string().openapi({ param: { name: "tokenId", in: "path" }, example: "0d9e6f4a-3c1b-4f7e-9a51-2b8c7d6e5f40" }) });
