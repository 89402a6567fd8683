import { createHash } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { isUnder } from "./paths.js";
import { OVERLAY_PREFIX } from "./routes/overlay.js";
import { OVERLAY_SCRIPT, OVERLAY_STYLE } from "./routes/overlay-page.js";
import { DOCS_PATH } from "./routes/docs.js";
import { DASHBOARD_IMPORT_MAP } from "../web/routes.js";

type SecureHeadersOptions = NonNullable<Parameters<typeof secureHeaders>[0]>;
type Csp = NonNullable<SecureHeadersOptions["contentSecurityPolicy"]>;

/** A CSP source that allows exactly one inline element: the hash of its text. */
export const cspHash = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

/** What every policy shares: nothing but this Prism, no plugins, no <base> or form tricks. */
const STRICT: Csp = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "data:"],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  manifestSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/**
 * The dashboard (and every API answer, where a CSP costs nothing): its only inline script is the
 * import map (browsers load no external one), allowed by hash; it frames only its own overlay preview and plays only its own recordings.
 * The live preview plays through Media Source Extensions, whose media URL is a blob: (media only;
 * the player runs without a worker, so scripts and workers stay 'self').
 */
const DASHBOARD: Csp = { ...STRICT, scriptSrc: ["'self'", cspHash(DASHBOARD_IMPORT_MAP)], frameSrc: ["'self'"], mediaSrc: ["'self'", "blob:"] };

/**
 * Scalar's reference: its script comes from /docs/scalar.js and its start from /docs/init.js; but the
 * bundle injects its component styles as <style> elements at run time (no nonce), so styles alone
 * may be inline. Its "try it" client talks to this Prism only (no proxy.scalar.com).
 */
const DOCS: Csp = { ...STRICT, styleSrc: ["'self'", "'unsafe-inline'"], fontSrc: ["'self'", "data:"] };

/**
 * The chat overlay is meant to be embedded: OBS browser sources, browser-based studios, the
 * dashboard's preview. It is read-only (nothing to click-jack), so any page may frame it. Its one
 * self-contained document keeps its inline script and style, each allowed by its hash.
 */
const OVERLAY: Csp = { ...STRICT, scriptSrc: [cspHash(OVERLAY_SCRIPT)], styleSrc: [cspHash(OVERLAY_STYLE)], frameAncestors: ["*"] };

const COMMON: Partial<SecureHeadersOptions> = {
  referrerPolicy: "no-referrer",
  xFrameOptions: "DENY",
  // Prism mostly runs on plain HTTP on a LAN; HSTS (which would pin a whole host name, subdomains
  // included) is the TLS-terminating proxy's decision.
  strictTransportSecurity: false,
  permissionsPolicy: { camera: [], microphone: [], geolocation: [], payment: [], usb: [] },
};

/**
 * One middleware for the security headers of every answer: X-Content-Type-Options, Referrer-Policy,
 * X-Frame-Options, COOP/CORP, Permissions-Policy and a Content-Security-Policy chosen by page.
 */
export function securityHeaders(): MiddlewareHandler {
  const dashboard = secureHeaders({ ...COMMON, contentSecurityPolicy: DASHBOARD });
  const docs = secureHeaders({ ...COMMON, contentSecurityPolicy: DOCS });
  // Framed by design: no X-Frame-Options (frame-ancestors says who may), loadable from any origin.
  const overlay = secureHeaders({ ...COMMON, xFrameOptions: false, crossOriginResourcePolicy: "cross-origin", contentSecurityPolicy: OVERLAY });
  return (c, next) => {
    const path = c.req.path;
    if (isUnder(path, OVERLAY_PREFIX)) return overlay(c, next);
    if (isUnder(path, DOCS_PATH)) return docs(c, next);
    return dashboard(c, next);
  };
}
