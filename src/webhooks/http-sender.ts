import { Agent as HttpAgent, request as httpRequest, type Agent, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import type { lookup as dnsLookup } from "node:dns";
import { AddressRefused, allowsAddress, PUBLIC_ONLY, policyLookup } from "../net/address-policy.js";

export interface OutgoingWebhook {
  url: string;
  body: string;
  headers: Record<string, string>;
}

export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  /** Why it failed, in words a streamer can act on; null on success. */
  error: string | null;
  /** The request was abandoned because Prism is stopping: not an attempt to count. */
  aborted: boolean;
}

export interface SenderOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  /** DNS resolution behind the address check; tests stand in a resolver for names pointing at odd addresses. */
  resolve?: typeof dnsLookup;
}

/**
 * Posts webhooks. Unless private addresses are allowed, every connection resolves its host through
 * policyLookup, which checks the addresses *at connect time* (the ones the socket then uses), so a
 * URL that passed validation cannot be turned towards a private address by changing its DNS
 * afterwards; an IP literal is checked before connecting. Both apply the same rule as the URL
 * check, IPv4 embedded in IPv6 (mapped, compatible, NAT64, 6to4, Teredo) included, which
 * request-filtering-agent (used before) let through for ::127.0.0.1. Redirects are not followed
 * (they would dodge that check and they mean the URL is stale).
 */
export class WebhookSender {
  private readonly agents: { http: Agent; https: Agent };
  private readonly lookup: ReturnType<typeof policyLookup>;

  constructor(private readonly options: SenderOptions) {
    this.lookup = policyLookup(PUBLIC_ONLY, options.resolve);
    const agentOptions = { keepAlive: true, maxSockets: 16 };
    this.agents = { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) };
  }

  send(webhook: OutgoingWebhook, signal?: AbortSignal): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      let onAbort = () => {};
      const finish = (result: Omit<SendResult, "latencyMs" | "aborted"> & { aborted?: boolean }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        resolve({ aborted: false, ...result, latencyMs: elapsed() });
      };
      let url: URL;
      try {
        url = new URL(webhook.url);
      } catch {
        return finish({ ok: false, statusCode: null, error: "The webhook URL is not valid." });
      }
      const literal = url.hostname.replace(/^\[|\]$/g, "");
      if (!this.options.allowPrivate && isIP(literal) && !allowsAddress(PUBLIC_ONLY, literal)) {
        // An IP literal is never looked up, so the lookup's check would not see it: refuse before connecting.
        return finish({ ok: false, statusCode: null, error: describeNetworkError(new AddressRefused(literal, literal), url) });
      }
      const secure = url.protocol === "https:";
      const req = (secure ? httpsRequest : httpRequest)(url, {
        method: "POST",
        agent: secure ? this.agents.https : this.agents.http,
        ...(!this.options.allowPrivate && { lookup: this.lookup }),
        headers: { ...webhook.headers, "content-length": String(Buffer.byteLength(webhook.body)) },
      });
      // First of all: destroying the request (an abort below, already signalled) emits "error" ("socket hang up"),
      // which without a listener is an uncaught exception that stops the process.
      req.on("error", (err: NodeJS.ErrnoException) => finish({ ok: false, statusCode: null, error: describeNetworkError(err, url) }));
      timer = setTimeout(() => {
        req.destroy();
        finish({ ok: false, statusCode: null, error: `No answer within ${formatMs(this.options.timeoutMs)}.` });
      }, this.options.timeoutMs);
      onAbort = () => {
        req.destroy();
        finish({ ok: false, statusCode: null, error: "Prism stopped before the receiver answered.", aborted: true });
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });

      req.on("response", (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        // The answer's body is not needed: drain it so the socket can be reused, but never for long.
        res.resume();
        res.on("error", () => {});
        const cut = setTimeout(() => res.destroy(), this.options.timeoutMs);
        res.once("close", () => clearTimeout(cut));
        if (status >= 200 && status < 300) return finish({ ok: true, statusCode: status, error: null });
        finish({ ok: false, statusCode: status, error: describeStatus(status, res.headers.location) });
      });
      req.end(webhook.body);
    });
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

function describeStatus(status: number, location: string | undefined): string {
  if (status >= 300 && status < 400) {
    return `The receiver answered HTTP ${status} (a redirect${location ? ` to ${originOf(location)}` : ""}); Prism does not follow redirects, so give the final URL.`;
  }
  if (status === 410) return "The receiver answered HTTP 410 Gone: it no longer wants these events.";
  return `The receiver answered HTTP ${status}.`;
}

function describeNetworkError(err: NodeJS.ErrnoException, url: URL): string {
  const where = url.host;
  if (err instanceof AddressRefused) {
    return `${where} resolves to a private, loopback or link-local address, which Prism does not send webhooks to (PRISM_WEBHOOK_ALLOW_PRIVATE=true allows it).`;
  }
  switch (err.code) {
    case "ECONNREFUSED":
      return `Connection refused by ${where}: nothing is listening there.`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `The host name ${url.hostname} could not be resolved.`;
    case "ECONNRESET":
      return `${where} closed the connection before answering.`;
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `${where} cannot be reached from this machine.`;
    default:
      if (err.code?.startsWith("ERR_TLS") || /certificate/i.test(err.message)) return `The TLS certificate of ${where} was not accepted: ${err.message}.`;
      return `Sending to ${where} failed: ${err.message}.`;
  }
}

/** Only scheme and host: the rest of a URL may carry a capability and must not end up in logs. */
export function originOf(raw: string): string {
  try {
    return new URL(raw).origin;
  } catch {
    return "an invalid URL";
  }
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
