import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { allowsAddress, describeAddress, PUBLIC_ONLY } from "../net/address-policy.js";

export type UrlCheck = { ok: true; url: string } | { ok: false; code: "invalid_webhook_url" | "webhook_url_not_allowed" | "webhook_url_unresolvable"; message: string };

export interface UrlPolicy {
  /** Loopback, private, link-local and other non-public addresses are refused unless this is set. */
  allowPrivate: boolean;
  /** DNS resolution, replaceable in tests. */
  resolve?: (hostname: string) => Promise<string[]>;
}

const resolveAll = async (hostname: string) => (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Validates a webhook target before it is stored: http(s), a host, no credentials, and (unless
 * allowed) every address the host resolves to must be a public unicast address. Delivery checks
 * the address again at connect time (policyLookup), so DNS changed later is caught too.
 */
export async function checkWebhookUrl(raw: string, policy: UrlPolicy): Promise<UrlCheck> {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { ok: false, code: "invalid_webhook_url", message: `"${shorten(raw)}" is not a URL; give the full address, e.g. https://hooks.zapier.com/hooks/catch/…` };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return { ok: false, code: "invalid_webhook_url", message: `Webhook URLs must start with https:// or http://, not ${url.protocol}//.` };
  }
  if (url.username || url.password) {
    return { ok: false, code: "invalid_webhook_url", message: "Webhook URLs must not contain a user name or password; use the subscription's secret to authenticate Prism instead." };
  }
  if (!url.hostname) return { ok: false, code: "invalid_webhook_url", message: "The webhook URL has no host name." };
  url.hash = "";
  if (policy.allowPrivate) return { ok: true, url: url.toString() };

  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  if (isIP(host)) {
    addresses = [host];
  } else {
    try {
      addresses = await (policy.resolve ?? resolveAll)(host);
    } catch {
      return { ok: false, code: "webhook_url_unresolvable", message: `The host name ${host} could not be resolved; check the URL for typos.` };
    }
  }
  const refused = addresses.find((a) => !isPublicAddress(a));
  if (refused !== undefined) {
    const where = refused === host ? refused : `${host} (${refused})`;
    return {
      ok: false,
      code: "webhook_url_not_allowed",
      message: `Prism does not send webhooks to ${where}: it is ${describeAddress(refused)}, not a public one. The operator can allow it with PRISM_WEBHOOK_ALLOW_PRIVATE=true.`,
    };
  }
  return { ok: true, url: url.toString() };
}

/** The rule delivery applies again at connect time: public unicast only, embedded IPv4 included. */
export function isPublicAddress(address: string): boolean {
  return allowsAddress(PUBLIC_ONLY, address);
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
