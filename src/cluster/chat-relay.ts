import { randomUUID } from "node:crypto";
import type { ChatComment } from "../core/chat-comment.js";
import type { ChatCluster, FeedEvent } from "../comments/index.js";
import type { IncomingChatMessage } from "../destinations/chat-types.js";
import { decodeJson, encodeJson, StreamFeed } from "./forward.js";
import { natsTransport } from "./nats-modules.js";
import { ClusterUnavailableError, type NatsLink } from "./nats.js";
import { streamSubject } from "./subjects.js";

/** A stream's visible comments after `afterSeq`, oldest first, at most `limit` (the comments store's visibleAfter). */
export type ChatHistory = (streamId: string, afterSeq: number, limit: number) => Promise<readonly ChatComment[]>;

export interface ChatRelayOptions {
  /** This node's id: what it publishes comes back to it through NATS, and its own subscribers had it locally. */
  origin?: string;
  /** Comments read per history page (default 1000). */
  pageSize?: number;
  /** Pushed chat messages forwarded to the owner in one request, at most (default 500). */
  maxForwarded?: number;
  /** How long the owner has to take forwarded chat (default 5 s). */
  forwardTimeoutMs?: number;
  onError?: (what: string, err: unknown) => void;
}

/** What a node publishes on `prism.stream.<id>.chat`. */
interface PublishedChat {
  from: string;
  events: FeedEvent[];
}

/** What a non-owner sends the owner on `prism.stream.<id>.chat.in`. */
interface PushedChat {
  platform: string;
  messages: IncomingChatMessage[];
}

/**
 * A stream's chat across the cluster. Its readers and merger run on the owner only, which publishes each released
 * batch of feed events on `prism.stream.<id>.chat`; any node's followers get them there, after reading the
 * history from the store, with nothing repeated across the handover (comments are deduplicated by seq) and the
 * gap of a NATS outage read back from the store. Chat a platform pushes (a webhook) to a node that does not own
 * the stream is forwarded to the owner on `…chat.in`.
 */
export class ChatRelay implements ChatCluster {
  private readonly feed: StreamFeed<PublishedChat>;
  private readonly origin: string;

  constructor(
    private readonly link: NatsLink,
    private readonly options: ChatRelayOptions = {},
  ) {
    this.feed = new StreamFeed<PublishedChat>(link, "chat", (subject, err) => options.onError?.(subject, err));
    this.origin = options.origin ?? randomUUID();
  }

  /**
   * One released batch (or a removal), to every other node's followers. False when NATS is down (followers catch
   * up on comments from the store).
   */
  publish(streamId: string, events: readonly FeedEvent[]): boolean {
    if (events.length === 0) return true;
    try {
      return this.feed.publish(streamId, { from: this.origin, events: [...events] });
    } catch (err) {
      // Larger than NATS carries: send it in halves (a single event that large is dropped; the store has it).
      if (events.length === 1) {
        this.options.onError?.(`chat of stream ${streamId}`, err);
        return false;
      }
      const half = Math.ceil(events.length / 2);
      return this.publish(streamId, events.slice(0, half)) && this.publish(streamId, events.slice(half));
    }
  }

  /** Why this node cannot follow another node's chat now; null while it can. */
  unavailable(): string | null {
    return this.link.isUp() ? null : `This node has lost its connection to NATS (${this.link.endpoint.display}), which carries the chat of streams live on other nodes; it is reconnecting, try again in a few seconds.`;
  }

  /**
   * Any node: the feed from after `afterSeq` (null: from now), the history first, then live events (this node's
   * own from `local`, the other nodes' from NATS), each comment once and in seq order. Resolves to the way to stop
   * once the history is handed over; rejects (and stops) when it cannot be read.
   */
  follow(
    streamId: string,
    afterSeq: number | null,
    history: ChatHistory,
    listener: (events: readonly FeedEvent[]) => void,
    local?: (listener: (events: readonly FeedEvent[]) => void) => () => void,
  ): Promise<() => void> {
    const pageSize = this.options.pageSize ?? 1000;
    let last = afterSeq;
    let stopped = false;
    /** Live events held while the history is read; null when not catching up. */
    let held: FeedEvent[] | null = null;
    let again = false;

    const deliver = (events: readonly FeedEvent[]) => {
      if (stopped) return;
      const fresh = events.filter((e) => e.type !== "comment" || last === null || e.comment.seq > last);
      for (const e of fresh) if (e.type === "comment") last = e.comment.seq;
      if (fresh.length > 0) listener(fresh);
    };

    const live = (events: readonly FeedEvent[]) => {
      if (held) held.push(...events);
      else deliver(events);
    };

    /** Reads the store after `last`; the first read's failure is the caller's, a later one (after an outage) is logged. */
    const catchUp = async (first = false): Promise<void> => {
      if (held) return void (again = true);
      held = [];
      try {
        for (;;) {
          const page = await history(streamId, last ?? 0, pageSize);
          if (stopped) return;
          deliver(page.map((comment) => ({ type: "comment" as const, comment })));
          if (page.length < pageSize) break;
        }
      } catch (err) {
        if (first) throw err;
        this.options.onError?.(`chat history of stream ${streamId}`, err);
      } finally {
        const pending = held;
        held = null;
        deliver(pending);
      }
      if (again && !stopped) {
        again = false;
        await catchUp();
      }
    };

    const off = this.feed.subscribe(streamId, (raw) => {
      if (!isPublishedChat(raw) || raw.from === this.origin) return;
      live(reviveFeedEvents(raw.events));
    });
    const offLocal = local?.(live);
    // What the owner published while this node was cut off from NATS is in the store: read it back.
    const offLink = this.link.onChange((up) => void (up && last !== null && catchUp()));
    const stop = () => {
      stopped = true;
      off();
      offLocal?.();
      offLink();
    };
    if (afterSeq === null) return Promise.resolve(stop);
    return catchUp(true).then(
      () => stop,
      (err: unknown) => {
        stop();
        throw err;
      },
    );
  }

  /**
   * The owner: takes chat pushed to other nodes for `streamId` (while it owns it) into its merger. Returns the
   * way to stop (when the stream ends here).
   */
  serveInbox(streamId: string, accept: (platform: string, messages: IncomingChatMessage[]) => void): () => void {
    const max = this.options.maxForwarded ?? 500;
    const sub = this.link.nc.subscribe(streamSubject(streamId, "chat.in"), {
      callback: (_err, msg) => {
        const pushed = decodeJson(msg.data);
        if (!isPushedChat(pushed, max)) return void msg.respond(encodeJson({ ok: false, error: `Forwarded chat must be { platform, messages } with at most ${max} messages, each with platformMessageId, author, text and sentAt` }, this.link.maxPayload(), "The answer"));
        try {
          accept(pushed.platform, pushed.messages.map(reviveMessage));
          msg.respond(encodeJson({ ok: true }, this.link.maxPayload(), "The answer"));
        } catch (err) {
          msg.respond(encodeJson({ ok: false, error: (err as Error).message }, this.link.maxPayload(), "The answer"));
        }
      },
    });
    return () => sub.unsubscribe();
  }

  /**
   * A node that does not own `streamId`: hands pushed chat to the owner and resolves once the owner took it.
   * Throws ClusterUnavailableError when no node owns the stream's chat or NATS is down, so the webhook can answer
   * with an error and the platform sends it again.
   */
  async forwardToOwner(streamId: string, platform: string, messages: IncomingChatMessage[]): Promise<void> {
    const max = this.options.maxForwarded ?? 500;
    for (let i = 0; i < messages.length; i += max) await this.forwardBatch(streamId, { platform, messages: messages.slice(i, i + max) });
  }

  private async forwardBatch(streamId: string, pushed: PushedChat): Promise<void> {
    this.link.requireUp(`forward chat to the node that owns stream ${streamId}`);
    const timeout = this.options.forwardTimeoutMs ?? 5_000;
    let answer: unknown;
    try {
      const msg = await this.link.nc.request(streamSubject(streamId, "chat.in"), encodeJson(pushed, this.link.maxPayload(), "Forwarded chat"), { timeout });
      answer = decodeJson(msg.data);
    } catch (err) {
      const { RequestError } = natsTransport();
      if (err instanceof RequestError && err.isNoResponders()) throw new ClusterUnavailableError(`No node is reading stream ${streamId}'s chat right now (it is not live, or its owner is restarting); try again shortly`);
      throw new ClusterUnavailableError(`The node that owns stream ${streamId} did not take its chat within ${timeout} ms: ${(err as Error).message}`);
    }
    const reply = answer as { ok?: boolean; error?: string } | undefined;
    if (!reply?.ok) throw new Error(`The node that owns stream ${streamId} refused the forwarded chat: ${reply?.error ?? "no answer"}`);
  }
}

/** Feed events as JSON carried them: their dates back as Dates. */
function reviveFeedEvents(raw: FeedEvent[]): FeedEvent[] {
  return raw.flatMap((e: FeedEvent): FeedEvent[] => {
    if (e?.type === "comment" && e.comment && typeof e.comment.seq === "number") return [{ type: "comment", comment: { ...e.comment, sentAt: new Date(e.comment.sentAt), receivedAt: new Date(e.comment.receivedAt) } }];
    if (e?.type === "removed" && Array.isArray(e.ids)) return [e];
    return [];
  });
}

function isPublishedChat(value: unknown): value is PublishedChat {
  const published = value as Partial<PublishedChat> | null | undefined;
  return !!published && typeof published.from === "string" && Array.isArray(published.events);
}

function isPushedChat(value: unknown, max: number): value is PushedChat {
  const pushed = value as Partial<PushedChat> | null | undefined;
  if (!pushed || typeof pushed.platform !== "string" || !Array.isArray(pushed.messages) || pushed.messages.length > max) return false;
  return pushed.messages.every((m: Partial<IncomingChatMessage> | null) => {
    if (!m || typeof m.platformMessageId !== "string" || typeof m.text !== "string" || typeof m.sentAt !== "string") return false;
    return !!m.author && typeof m.author.id === "string" && typeof m.author.name === "string";
  });
}

function reviveMessage(m: IncomingChatMessage): IncomingChatMessage {
  return { ...m, sentAt: new Date(m.sentAt) };
}
