/**
 * PRISM_NATS_URL: one or more NATS servers, comma-separated (a NATS cluster's seeds), each nats:// or tls://,
 * optionally with credentials (nats://user:password@host:4222, or nats://token@host:4222).
 */
export interface NatsEndpoint {
  /** host:port of each server, as the client takes them. */
  servers: string[];
  /** Every server was given as tls://: the connection must be encrypted. */
  tls: boolean;
  user?: string;
  pass?: string;
  token?: string;
  /** The URL with any credentials masked, for messages and logs. */
  display: string;
}

const DEFAULT_PORT = 4222;

/** The servers and credentials of PRISM_NATS_URL, or a thrown error a person can act on. */
export function parseNatsUrl(text: string): NatsEndpoint {
  const parts = text.split(",").map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) throw new Error("must name a NATS server, e.g. nats://127.0.0.1:4222");
  const urls = parts.map(parseOne);
  const schemes = new Set(urls.map((u) => u.protocol));
  if (schemes.size > 1) throw new Error("mixes nats:// and tls:// servers: use tls:// for all of them or for none");
  const withCredentials = urls.find((u) => u.username || u.password);
  const credentials = withCredentials ? credentialsOf(withCredentials) : {};
  return {
    servers: urls.map((u) => `${u.hostname}:${u.port || DEFAULT_PORT}`),
    tls: schemes.has("tls:"),
    ...credentials,
    display: urls.map(masked).join(","),
  };
}

function parseOne(part: string): URL {
  let url: URL;
  try {
    url = new URL(part);
  } catch {
    throw new Error(`${JSON.stringify(mask(part))} is not a URL: write nats://host:4222 (or tls://host:4222)`);
  }
  if (url.protocol !== "nats:" && url.protocol !== "tls:") {
    throw new Error(`${url.protocol}// is not a NATS scheme: write nats://host:4222, or tls://host:4222 for an encrypted connection`);
  }
  if (!url.hostname) throw new Error(`${JSON.stringify(masked(url))} names no host`);
  if ((url.pathname && url.pathname !== "/") || url.search || url.hash) throw new Error(`${JSON.stringify(masked(url))}: a NATS URL has no path, query or fragment`);
  return url;
}

function credentialsOf(url: URL): Pick<NatsEndpoint, "user" | "pass" | "token"> {
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  return pass ? { user, pass } : { token: user };
}

function masked(url: URL): string {
  if (!url.username && !url.password) return `${url.protocol}//${url.host}`;
  return `${url.protocol}//***@${url.host}`;
}

/** A string that failed to parse may still hold a password: mask what looks like credentials. */
function mask(text: string): string {
  return text.replace(/\/\/[^@/]*@/, "//***@");
}
