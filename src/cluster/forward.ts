import type { Msg } from "@nats-io/transport-node";
import { natsTransport } from "./nats-modules.js";
import { ClusterUnavailableError, type NatsLink } from "./nats.js";
import { nodeSubject, streamSubject, anyStreamSubject, type NodeCommand, type StreamTopic } from "./subjects.js";

/** What a node answers a command with: its value, or the error it met (message meant for a person). */
type Reply<T> = { ok: true; value: T } | { ok: false; error: string; status?: number };

/** The owner node ran the command and refused it or failed: its own message (and HTTP status, if it gave one). */
export class RemoteCommandError extends Error {
  override readonly name = "RemoteCommandError";
  constructor(
    message: string,
    readonly nodeId: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

/** A handler may throw one of these (or any error with a numeric `status`) to answer with that HTTP status. */
type StatusError = Error & { status?: unknown };

const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * Commands to one node over NATS request/reply, as JSON: `ask` sends to `prism.node.<id>.<command>` and
 * returns the answer; `serve` answers this node's own. Every failure is an error a person can act on:
 * ClusterUnavailableError while NATS is down (at once, not after the timeout: the client would otherwise buffer
 * the request until it reconnects), when nobody serves the subject (the node is gone) and on a timeout;
 * RemoteCommandError when the node answered with an error.
 */
export class NodeRequests {
  constructor(
    private readonly link: NatsLink,
    readonly nodeId: string,
  ) {}

  async ask<T>(nodeId: string, command: NodeCommand, body: unknown, options: { timeoutMs?: number } = {}): Promise<T> {
    const subject = nodeSubject(nodeId, command);
    this.link.requireUp(`reach node ${nodeId}`);
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let msg: Msg;
    try {
      msg = await this.link.nc.request(subject, encodeJson(body, this.link.maxPayload(), `The request to node ${nodeId}`), { timeout: timeoutMs });
    } catch (err) {
      throw this.requestFailure(err, nodeId, timeoutMs);
    }
    const reply = decodeJson(msg.data) as Reply<T> | null | undefined;
    if (!reply || typeof reply !== "object" || typeof reply.ok !== "boolean") throw new RemoteCommandError(`Node ${nodeId} answered ${command} with something that is not a Prism reply`, nodeId, undefined);
    if (!reply.ok) throw new RemoteCommandError(String(reply.error), nodeId, typeof reply.status === "number" ? reply.status : undefined);
    return reply.value;
  }

  /**
   * Answers `command` on this node's subject with what `handler` returns (or the error it throws). Returns the
   * way to stop. The handler gets the parsed body; a body that is not JSON is answered with a 400 error.
   */
  serve(command: NodeCommand, handler: (body: unknown) => unknown): () => void {
    const subject = nodeSubject(this.nodeId, command);
    const sub = this.link.nc.subscribe(subject, {
      callback: (_err, msg) => void this.answer(msg, handler),
    });
    return () => sub.unsubscribe();
  }

  private async answer(msg: Msg, handler: (body: unknown) => unknown): Promise<void> {
    let reply: Reply<unknown>;
    const body = decodeJson(msg.data);
    if (body === undefined) reply = { ok: false, error: "The request body is not JSON", status: 400 };
    else {
      try {
        reply = { ok: true, value: (await handler(body)) ?? null };
      } catch (err) {
        const status = (err as StatusError).status;
        reply = { ok: false, error: (err as Error).message, ...(typeof status === "number" ? { status } : {}) };
      }
    }
    try {
      msg.respond(encodeJson(reply, this.link.maxPayload(), `Node ${this.nodeId}'s answer`));
    } catch (err) {
      msg.respond(JSON.stringify({ ok: false, error: (err as Error).message, status: 502 } satisfies Reply<never>));
    }
  }

  private requestFailure(err: unknown, nodeId: string, timeoutMs: number): Error {
    const { RequestError, TimeoutError } = natsTransport();
    if (err instanceof RequestError && err.isNoResponders()) {
      return new ClusterUnavailableError(`Node ${nodeId} is not answering (it is not connected to NATS: stopped, crashed or restarting); try again shortly`);
    }
    if (err instanceof TimeoutError) return new ClusterUnavailableError(`Node ${nodeId} did not answer within ${timeoutMs} ms; try again shortly`);
    // The connection dropped mid-request; the status change that marks the link down may come just after.
    const dropped = err instanceof RequestError && /disconnect/i.test(err.message);
    if (dropped || !this.link.isUp()) return new ClusterUnavailableError(`Cannot reach node ${nodeId}: this node lost its connection to NATS (${this.link.endpoint.display}) while asking; try again shortly`);
    return err as Error;
  }
}

/**
 * One kind of per-stream news fanned out to every node (health snapshots, chat items): published by the stream's
 * owner on `prism.stream.<id>.<topic>`, heard by whoever subscribes. While NATS is down a publish is dropped, not
 * queued: a snapshot is replaced by the next one, and chat history is read back from the database.
 */
export class StreamFeed<T> {
  constructor(
    private readonly link: NatsLink,
    readonly topic: StreamTopic,
    private readonly onBadMessage: (subject: string, err: Error) => void = () => {},
  ) {}

  /** False when it was dropped because NATS is down. Throws if `value` is larger than NATS carries. */
  publish(streamId: string, value: T): boolean {
    const subject = streamSubject(streamId, this.topic);
    if (!this.link.isUp()) return false;
    this.link.nc.publish(subject, encodeJson(value, this.link.maxPayload(), `A ${this.topic} message`));
    return true;
  }

  /** `listener` for every message about `streamId`; returns the way to stop. */
  subscribe(streamId: string, listener: (value: T) => void): () => void {
    return this.listen(streamSubject(streamId, this.topic), (value) => listener(value));
  }

  /** `listener` for every stream's messages; returns the way to stop. */
  subscribeAll(listener: (streamId: string, value: T) => void): () => void {
    const { subject, streamIdOf } = anyStreamSubject(this.topic);
    return this.listen(subject, (value, msgSubject) => listener(streamIdOf(msgSubject), value));
  }

  private listen(subject: string, deliver: (value: T, subject: string) => void): () => void {
    const sub = this.link.nc.subscribe(subject, {
      callback: (_err, msg) => {
        const value = decodeJson(msg.data);
        if (value === undefined) this.onBadMessage(msg.subject, new Error(`A ${this.topic} message that is not JSON (${msg.data.length} bytes) was dropped`));
        else deliver(value as T, msg.subject);
      },
    });
    return () => sub.unsubscribe();
  }
}

/** `value` as JSON bytes for NATS; throws, naming `what`, when it is larger than the server carries. */
export function encodeJson(value: unknown, maxBytes: number, what: string): Uint8Array {
  const bytes = Buffer.from(JSON.stringify(value ?? null));
  if (bytes.length > maxBytes) throw new Error(`${what} is too large to send between nodes (${bytes.length} bytes; NATS carries at most ${maxBytes})`);
  return bytes;
}

/** The JSON value in `data` (null for an empty body); undefined when it is not JSON. */
export function decodeJson(data: Uint8Array): unknown {
  if (data.length === 0) return null;
  try {
    return JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("utf8"));
  } catch {
    return undefined;
  }
}
