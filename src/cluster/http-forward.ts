import { z } from "zod";
import { RemoteCommandError, type NodeRequests } from "./forward.js";
import type { NatsLink } from "./nats.js";

/**
 * API requests carried from the node a client called to the node that owns the stream (the `http` command of
 * `prism.node.<id>.http`). The shapes match what src/api/cluster-routing.ts forwards and answers; they are
 * checked on arrival, since whatever is on NATS is input like any other.
 */
const HeadersSchema = z.record(z.string().max(64), z.string().max(8192)).refine((h) => Object.keys(h).length <= 32, "at most 32 headers");

export const HttpRequestSchema = z.object({
  method: z.string().regex(/^[A-Z]{3,7}$/),
  path: z.string().startsWith("/").max(2048),
  query: z.string().max(8192),
  headers: HeadersSchema,
  body: z.string().base64().nullable(),
});

export const HttpResponseSchema = z.object({
  status: z.number().int().min(100).max(599),
  headers: HeadersSchema,
  body: z.string().base64(),
});

export type HttpRequest = z.infer<typeof HttpRequestSchema>;
export type HttpResponse = z.infer<typeof HttpResponseSchema>;

/** A forwarded request refused with an HTTP status: 413 (too large to send), 502 (the owner's answer was unusable). */
export class HttpForwardError extends Error {
  override readonly name = "HttpForwardError";
  constructor(
    readonly status: 413 | 502,
    message: string,
  ) {
    super(message);
  }
}

export interface HttpForwarderOptions {
  /** How long the owner has to answer (default 30 s: a live clip is cut on the owner before it answers). */
  timeoutMs?: number;
}

/** Room left in a NATS message for the reply envelope and the headers around the base64 body. */
const ENVELOPE_BYTES = 16 * 1024;

/**
 * Forwards API requests to another node and answers the ones forwarded here. Bounded by what NATS carries in one
 * message (max_payload, 1 MiB by default): a request body that would not fit (base64 adds a third) is refused
 * with 413 before anything is sent; an answer that would not fit comes back as 502.
 */
export class HttpForwarder {
  constructor(
    private readonly link: NatsLink,
    private readonly requests: NodeRequests,
    private readonly options: HttpForwarderOptions = {},
  ) {}

  get nodeId(): string {
    return this.requests.nodeId;
  }

  /** The largest body (in bytes, before base64) a forwarded request or answer can carry. */
  maxBodyBytes(): number {
    return Math.max(0, Math.floor(((this.link.maxPayload() - ENVELOPE_BYTES) * 3) / 4));
  }

  async forward(nodeId: string, request: HttpRequest): Promise<HttpResponse> {
    const bodyBytes = request.body === null ? 0 : Buffer.byteLength(request.body, "base64");
    const size = Buffer.byteLength(JSON.stringify(request));
    if (bodyBytes > this.maxBodyBytes() || size > this.link.maxPayload()) {
      throw new HttpForwardError(
        413,
        `The request body (${bodyBytes} bytes) is too large to pass between cluster nodes: NATS carries at most ${this.link.maxPayload()} bytes per message, so a forwarded body may be at most ${this.maxBodyBytes()} bytes`,
      );
    }
    let answer: unknown;
    try {
      answer = await this.requests.ask(nodeId, "http", request, { timeoutMs: this.options.timeoutMs ?? 30_000 });
    } catch (err) {
      // The owner could not send its answer (too large for NATS), or failed to run the request at all.
      if (err instanceof RemoteCommandError) throw new HttpForwardError(502, `Node ${nodeId} could not answer this request: ${err.message}`);
      throw err;
    }
    const parsed = HttpResponseSchema.safeParse(answer);
    if (!parsed.success) throw new HttpForwardError(502, `Node ${nodeId} answered with something that is not an HTTP answer`);
    return parsed.data;
  }

  /** Answers this node's forwarded requests with `handler` (the API's answerForwarded); returns the way to stop. */
  serve(handler: (request: HttpRequest) => Promise<HttpResponse>): () => void {
    return this.requests.serve("http", async (body) => {
      const parsed = HttpRequestSchema.safeParse(body);
      if (!parsed.success) throw Object.assign(new Error(`Not a forwarded HTTP request: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`), { status: 400 });
      const answer = await handler(parsed.data);
      const bodyBytes = Buffer.byteLength(answer.body, "base64");
      if (bodyBytes > this.maxBodyBytes()) {
        throw Object.assign(
          new Error(`its answer to ${parsed.data.method} ${parsed.data.path} is ${bodyBytes} bytes, more than NATS carries between nodes (at most ${this.maxBodyBytes()}); ask node ${this.nodeId} directly`),
          { status: 502 },
        );
      }
      return answer;
    });
  }
}
