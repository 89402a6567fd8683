// What the logged-in token may do. The page learns its scopes from GET /session; controls that
// would only earn a 403 are disabled, each saying why, instead of failing when clicked.
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { html } from "./api.js";

export const Session = createContext({ name: "", scopes: ["admin"] });

/** Scopes nest as on the server (src/api/auth.ts): admin ⊃ write ⊃ read; moderate is beside them. */
const RANK = { read: 0, write: 1, admin: 2 };

const needs = { write: "change anything", admin: "manage API tokens", chat: "act on the chat" };

/**
 * Why the session may not do what `scope` allows, in words; null when it may. "chat": what the chat
 * routes allow (sending, hiding, blocks, filters, modes): a write token or a moderate one.
 */
export function useDenied(scope = "write") {
  const { name, scopes } = useContext(Session);
  const may = scope === "chat" ? scopes.includes("moderate") || scopes.some((s) => (RANK[s] ?? -1) >= RANK.write) : scopes.some((s) => (RANK[s] ?? -1) >= RANK[scope]);
  if (may) return null;
  const wanted = scope === "chat" ? "write or moderate" : scope;
  return `Your token "${name}" has the ${scopes.join(", ")} scope: it cannot ${needs[scope]} (that needs ${wanted}). Log in with a ${wanted} token to do this.`;
}

/**
 * Controls that need `scope`: shown disabled, with the reason on hover and to screen readers, when
 * the session lacks it. A fieldset, so every button and field inside is disabled at once.
 */
export function Guard({ scope = "write", children, className = "" }) {
  const denied = useDenied(scope);
  return html`<fieldset class=${`guard ${className}`} disabled=${!!denied} title=${denied ?? undefined} data-denied=${denied ? scope : undefined}>${children}</fieldset>`;
}

/** The page-wide word on it, once, at the top of a page with controls the session lacks. */
export function ScopeNotice({ scope = "write" }) {
  const denied = useDenied(scope);
  return denied ? html`<p class="card notice scope-notice" role="note">${denied} The controls that would need it are disabled.</p>` : null;
}
