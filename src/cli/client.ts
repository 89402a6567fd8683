import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** A failure to show as one plain line (no stack): what went wrong and what to do. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface ConnectionOptions {
  url?: string;
  token?: string;
}

/**
 * Where Prism is and which token to use: --url/--token, else PRISM_URL/PRISM_TOKEN, else this
 * machine's Prism (PRISM_HTTP_PORT, default 8080) with the admin token from its data dir.
 */
export function resolveConnection(options: ConnectionOptions, env: NodeJS.ProcessEnv = process.env): { url: string; token: string } {
  const url = (options.url ?? env.PRISM_URL ?? `http://127.0.0.1:${env.PRISM_HTTP_PORT || 8080}`).replace(/\/+$/, "");
  if (!/^https?:\/\//.test(url)) throw new CliError(`--url must start with http:// or https:// (got "${url}").`, 2);
  const explicit = options.token ?? env.PRISM_TOKEN;
  if (explicit) return { url, token: explicit };
  const file = join(resolve(env.PRISM_DATA_DIR || "./data"), "api-token");
  try {
    const token = readFileSync(file, "utf8").trim();
    if (token) return { url, token };
  } catch {
    // fall through to the message below
  }
  throw new CliError(`No API token: pass --token, set PRISM_TOKEN, or run where ${file} exists (Prism writes it at first start).`, 2);
}

interface ErrorShape {
  error?: { code?: string; message?: string };
}

/** The Prism HTTP API, as the CLI uses it: JSON in and out, errors turned into CliError. */
export class ApiClient {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init = {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    };
    return this.answer<T>(method, path, await this.send(path, init, "no answer within 15 s"));
  }

  /** Streams `body` (e.g. a video file) as the request body, however long it takes. */
  async upload<T>(path: string, body: ReadableStream<Uint8Array>, headers: Record<string, string>): Promise<T> {
    const init = { method: "POST", headers: { authorization: `Bearer ${this.token}`, ...headers }, body, duplex: "half" } as RequestInit;
    return this.answer<T>("POST", path, await this.send(path, init, "no answer"));
  }

  private async send(path: string, init: RequestInit, timedOut: string): Promise<Response> {
    try {
      return await fetch(`${this.url}/api/v1${path}`, init);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why =
        cause?.code === "ECONNREFUSED"
          ? "connection refused (is Prism running?)"
          : (err as Error).name === "TimeoutError"
            ? timedOut
            : (cause?.code ?? cause?.message ?? (err as Error).message);
      throw new CliError(`Cannot reach Prism at ${this.url}: ${why}. Use --url or PRISM_URL to point at another Prism.`);
    }
  }

  private async answer<T>(method: string, path: string, res: Response): Promise<T> {
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const message = (parsed as ErrorShape | undefined)?.error?.message ?? (text.slice(0, 200) || res.statusText);
      throw new CliError(`${method} ${path} failed (${res.status}): ${message}`);
    }
    return parsed as T;
  }
}
