import type { Registry } from "prom-client";
import type { EventBus } from "../bus.js";
import type { Logger } from "../log.js";
import type { SecretBox } from "../secrets/secret-box.js";
import { randomSecret } from "../secrets/tokens.js";
import type { ChatBlock, ChatFilter } from "../db/comments-repo.js";
import type { CommentsStore } from "../db/store.js";
import type { ChatReaderState, IncomingChatMessage } from "../destinations/chat-types.js";
import { LiveFeed } from "./feed.js";
import { Merger } from "./merger.js";
import { commentMetrics, type CommentsObserver } from "./metrics.js";
import { Moderation } from "./moderation.js";
import { ChatModeKeeper, type ModesResult } from "./chat-modes.js";
import { activeModes, type ChatModes } from "../core/chat-modes.js";
import { StreamReaders } from "./readers.js";
import type { ChatComment, ChatSources, FeedEvent, NewComment } from "./types.js";

export type { ChatComment, ChatSource, ChatSources, FeedEvent } from "./types.js";
export type { ModesResult, ModeOutcome } from "./chat-modes.js";
export { unsafeRegexReason } from "./safe-regex.js";

export interface CommentSettings {
  /** How long a message is held so one from a slower platform can take its place by sentAt. */
  reorderWindowMs: number;
}

/**
 * A stream's chat across the nodes of a cluster (cluster-node.ts makes it over NATS); none on a single Prism. The
 * readers and merger of a stream run on the node that owns it; the feed reaches subscribers on every node.
 */
export interface ChatCluster {
  /** What this node's feed publishes (released comments, removals), for the subscribers on the other nodes. */
  publish(streamId: string, events: readonly FeedEvent[]): void;
  /**
   * A subscriber on this node: the history after `afterSeq` (null: from now), then this node's events (`local`) and
   * the other nodes', each comment once. Resolves to the way to stop once the history is handed over.
   */
  follow(
    streamId: string,
    afterSeq: number | null,
    history: (streamId: string, afterSeq: number, limit: number) => Promise<readonly ChatComment[]>,
    listener: (events: readonly FeedEvent[]) => void,
    local: (listener: (events: readonly FeedEvent[]) => void) => () => void,
  ): Promise<() => void>;
  /** Why this node cannot follow chat read on another node right now (it lost NATS); null while it can. */
  unavailable(): string | null;
  /** While this node reads the stream's chat: chat pushed to other nodes for it comes here. Returns the way to stop. */
  serveInbox(streamId: string, accept: (platform: string, messages: IncomingChatMessage[]) => void): () => void;
  /** Chat pushed here for a stream whose chat another node reads: resolves once that node took it, throws otherwise. */
  forwardToOwner(streamId: string, platform: string, messages: IncomingChatMessage[]): Promise<void>;
}

export interface SendResult {
  platform: string;
  destinationId: string;
  ok: boolean;
  error?: string;
}

/** What the HTTP API may do with the feed. */
export interface CommentsApi {
  /** How a destination's chat reader is doing, with the reason when it is not live; undefined: no reader. */
  readerState(streamId: string, destinationId: string): { state: ChatReaderState; detail?: string } | undefined;
  history(streamId: string, opts: { beforeSeq?: number; limit: number; includeFlagged: boolean }): Promise<ChatComment[]>;
  /**
   * Live feed from after `afterSeq` (null: from now): the backlog first, then live events, with
   * nothing lost or repeated in between. Resolves to the unsubscribe function once the backlog is handed over.
   */
  follow(streamId: string, afterSeq: number | null, listener: (events: readonly FeedEvent[]) => void): Promise<() => void>;
  /** Why this node cannot serve the stream's live feed right now (in a cluster: it lost NATS and the chat is read elsewhere); null when it can. */
  feedUnavailable(streamId: string): string | null;
  send(streamId: string, text: string, platforms?: string[]): Promise<SendResult[]>;
  hide(streamId: string, commentId: string): Promise<{ comment: ChatComment; platformDeleted: SendResult | null } | undefined>;
  block(streamId: string, platform: string, authorId: string): Promise<{ block: ChatBlock; hidden: number; platformBanned: SendResult | null }>;
  unblock(streamId: string, platform: string, authorId: string): Promise<boolean>;
  blocks(streamId: string): Promise<ChatBlock[]>;
  filters(streamId: string): Promise<ChatFilter[]>;
  /** Also flags the stream's visible messages it matches (a `removed` event tells live clients). */
  addFilter(streamId: string, kind: "word" | "regex", pattern: string): Promise<ChatFilter>;
  deleteFilter(streamId: string, id: string): Promise<boolean>;
  /** The stream's chat modes, and what each platform said when they were last applied. */
  chatModes(streamId: string): Promise<{ modes: ChatModes; results: ModesResult[] }>;
  /** Stores the modes and applies them now on every platform chat of the stream (again at each go-live). */
  setChatModes(streamId: string, modes: ChatModes): Promise<{ modes: ChatModes; results: ModesResult[] }>;
  /** A new overlay token for the stream, shown this once; the old one stops working. */
  rotateOverlayToken(streamId: string): Promise<string>;
  streamForOverlayToken(token: string): Promise<string | undefined>;
}

export interface Comments {
  api: CommentsApi;
  /** The merger's input, as readers feed it: for tests and the benchmark. */
  accept(streamId: string, platform: string, messages: IncomingChatMessage[]): void;
  /**
   * Chat a platform pushed (a webhook) for a live stream: into its merger here, or, in a cluster, to the node that
   * reads the stream's chat (rejects when that node cannot take it, so the platform sends it again).
   */
  deliver(streamId: string, platform: string, messages: IncomingChatMessage[]): Promise<void>;
  /** Registers the comment metrics (messages by platform and outcome, reader states) on the service's registry. */
  instrument(registry: Registry): void;
  start(): void;
  /** Stops the readers and resolves once what the mergers still held is stored. */
  stop(): Promise<void>;
}

/** As many as the merger remembers itself; an older repeat reaches the store, whose unique index drops it. */
const RECENT_STORED_KEYS = 5_000;

/** The merged comment feed: readers → merger → moderation → store → live subscribers and the bus. */
export function createComments(deps: {
  store: { comments: CommentsStore };
  box: SecretBox;
  bus: EventBus;
  sources: ChatSources;
  settings: CommentSettings;
  log: Logger;
  cluster?: ChatCluster | undefined;
}): Comments {
  const repo = deps.store.comments;
  const moderation = new Moderation(repo);
  /** Recent (platform, id) keys already stored, per stream, read at go-live: the merger asks per message and cannot wait. */
  const storedKeys = new Map<string, Set<string>>();
  /** Each stream's batches are stored one after another, so the feed keeps the merger's order. */
  const storing = new Map<string, Promise<void>>();
  /** The go-live each stream's (asynchronous) start belongs to: an end or a newer start makes an older one moot. */
  const starts = new Map<string, object>();
  const live = new LiveFeed();
  const mergers = new Map<string, Merger>();
  const modes = new ChatModeKeeper();
  const readers = new Map<string, StreamReaders>();
  const unsubscribe: Array<() => void> = [];
  const streamNames = new Map<string, string>();
  /** In a cluster, per stream whose chat is read here: how chat pushed to other nodes reaches it. */
  const inboxes = new Map<string, () => void>();
  let observer: CommentsObserver | null = null;

  /** To this node's subscribers, and in a cluster to the other nodes'. */
  const publish = (streamId: string, events: readonly FeedEvent[]) => {
    live.publish(streamId, events);
    deps.cluster?.publish(streamId, events);
  };

  /** The merger's release, synchronous: queued behind the stream's earlier batches. */
  const released = (batch: NewComment[]) => {
    const streamId = batch[0]!.streamId;
    const next = (storing.get(streamId) ?? Promise.resolve())
      .then(() => store(batch))
      .catch((err: unknown) => deps.log.error({ err, stream: streamId }, "chat messages could not be stored"));
    storing.set(streamId, next);
    void next.then(() => {
      if (storing.get(streamId) === next) storing.delete(streamId);
    });
  };

  const store = async (batch: NewComment[]) => {
    await moderation.load(batch[0]!.streamId);
    for (const c of batch) {
      c.flagged = moderation.flag(c.streamId, c.text);
      if (moderation.isBlocked(c.streamId, c.platform, c.author.id)) c.hidden = "blocked";
      // Only what would be shown counts towards an author's slow-mode interval.
      if (!c.flagged && !c.hidden) c.flagged = modes.flag(c);
    }
    let stored: ChatComment[];
    try {
      stored = await repo.insertBatch(batch);
    } catch (err) {
      // A stream deleted while its chat was still arriving: nothing to keep.
      deps.log.warn({ reason: (err as Error).message }, "could not store chat messages");
      return;
    }
    if (observer) {
      const name = streamNames.get(batch[0]!.streamId) ?? "";
      for (const c of stored) observer.stored(name, c, c.hidden ? "blocked" : c.flagged ? "flagged" : "shown");
    }
    const visible = stored.filter((c) => !c.flagged && !c.hidden);
    // A released batch belongs to one stream (one merger per stream).
    if (visible.length > 0) publish(visible[0]!.streamId, visible.map((comment) => ({ type: "comment" as const, comment })));
    for (const comment of visible) {
      deps.bus.emit("comment.received", {
        id: comment.id,
        streamId: comment.streamId,
        platform: comment.platform,
        author: { id: comment.author.id, name: comment.author.name },
        text: comment.text,
        sentAt: comment.sentAt.toISOString(),
        kind: comment.kind,
        ...(comment.amount && { amount: { ...comment.amount } }),
      });
    }
  };

  const mergerFor = (streamId: string) => {
    let merger = mergers.get(streamId);
    if (!merger) {
      merger = new Merger(streamId, { windowMs: deps.settings.reorderWindowMs }, released, (platform, id) => storedKeys.get(streamId)?.has(`${platform}\n${id}`) ?? false);
      mergers.set(streamId, merger);
    }
    return merger;
  };
  const accept = (streamId: string, platform: string, messages: IncomingChatMessage[]) => mergerFor(streamId).accept(platform, messages);

  const startStream = async (streamId: string) => {
    readers.get(streamId)?.stop();
    const start = {};
    starts.set(streamId, start);
    const [sources, recent, stored] = await Promise.all([
      deps.sources.forStream(streamId),
      repo.recentPlatformKeys(streamId, RECENT_STORED_KEYS),
      repo.chatModes(streamId),
      moderation.load(streamId),
    ]);
    if (starts.get(streamId) !== start) return; // ended (or started again) meanwhile
    storedKeys.set(streamId, new Set(recent));
    if (deps.cluster && !inboxes.has(streamId)) inboxes.set(streamId, deps.cluster.serveInbox(streamId, (platform, messages) => accept(streamId, platform, messages)));
    if (sources.length === 0) return;
    deps.log.info({ stream: streamId, platforms: sources.map((s) => s.platform) }, "reading chat");
    const merger = mergerFor(streamId);
    merger.expect(sources.map((s) => s.platform));
    readers.set(streamId, new StreamReaders(sources, merger, deps.log.child({ stream: streamId })));
    // Set modes are applied again at each go-live; all off leaves the platforms' own settings alone.
    if (activeModes(stored).length > 0) {
      void modes.apply(streamId, stored, sources).then((results) => deps.log.info({ stream: streamId, results }, "chat modes applied"));
    }
  };
  const endStream = (streamId: string) => {
    starts.delete(streamId);
    storedKeys.delete(streamId);
    inboxes.get(streamId)?.();
    inboxes.delete(streamId);
    readers.get(streamId)?.stop();
    readers.delete(streamId);
    mergers.get(streamId)?.close();
    mergers.delete(streamId);
    modes.end(streamId);
  };

  const viaPlatform = async (platform: string, destinationId: string, action: () => Promise<void>): Promise<SendResult> => {
    try {
      await action();
      return { platform, destinationId, ok: true };
    } catch (err) {
      return { platform, destinationId, ok: false, error: (err as Error).message };
    }
  };

  const api: CommentsApi = {
    readerState(streamId, destinationId) {
      const reader = readers.get(streamId)?.states.get(destinationId);
      return reader && { state: reader.state, ...(reader.detail !== undefined && { detail: reader.detail }) };
    },
    history: (streamId, opts) => repo.history(streamId, opts),
    async follow(streamId, afterSeq, listener) {
      if (deps.cluster) {
        // "From now" as a position in the history, so what a NATS outage hides from this node is read back even
        // before its first live message.
        const from = afterSeq ?? (await repo.history(streamId, { limit: 1, includeFlagged: true }))[0]?.seq ?? 0;
        return deps.cluster.follow(streamId, from, (s, after, limit) => repo.visibleAfter(s, after, limit), listener, (l) => live.subscribe(streamId, l));
      }
      if (afterSeq === null) return live.subscribe(streamId, listener);
      // Subscribe first and hold live events while the backlog is read, then drop what the backlog covered.
      let held: FeedEvent[] | null = [];
      const off = live.subscribe(streamId, (events) => (held ? held.push(...events) : listener(events)));
      let last = afterSeq;
      try {
        for (;;) {
          const page = await repo.visibleAfter(streamId, last, 1000);
          if (page.length > 0) listener(page.map((comment) => ({ type: "comment" as const, comment })));
          if (page.length < 1000) break;
          last = page[page.length - 1]!.seq;
        }
      } catch (err) {
        off();
        throw err;
      }
      const backlogEnd = last;
      const pending = held.filter((e) => e.type !== "comment" || e.comment.seq > backlogEnd);
      held = null;
      if (pending.length > 0) listener(pending);
      return off;
    },
    feedUnavailable: (streamId) => (deps.cluster && !starts.has(streamId) ? deps.cluster.unavailable() : null),
    async send(streamId, text, platforms) {
      const sources = (await deps.sources.forStream(streamId)).filter((s) => !platforms || platforms.includes(s.platform));
      return Promise.all(
        sources.map((s) =>
          s.chat.send
            ? viaPlatform(s.platform, s.destinationId, () => s.chat.send!(s.api, s.stream, text))
            : Promise.resolve({ platform: s.platform, destinationId: s.destinationId, ok: false, error: `Prism cannot post to ${s.platform} chat: its API does not allow it.` }),
        ),
      );
    },
    async hide(streamId, commentId) {
      const comment = await repo.get(streamId, commentId);
      if (!comment) return undefined;
      const ids = await repo.hide(streamId, { id: commentId }, "hidden");
      if (ids.length > 0) publish(streamId, [{ type: "removed", ids, reason: "hidden" }]);
      const source = (await deps.sources.forStream(streamId)).find((s) => s.platform === comment.platform && s.chat.deleteMessage);
      const platformMessageId = await repo.platformMessageId(comment.id);
      const platformDeleted = source && platformMessageId ? await viaPlatform(source.platform, source.destinationId, () => source.chat.deleteMessage!(source.api, source.stream, platformMessageId)) : null;
      return { comment: { ...comment, hidden: "hidden" }, platformDeleted };
    },
    async block(streamId, platform, authorId) {
      const block = await repo.addBlock(streamId, platform, authorId, (await repo.authorName(streamId, platform, authorId)) ?? null);
      moderation.invalidate(streamId);
      const ids = await repo.hide(streamId, { platform, authorId }, "blocked");
      if (ids.length > 0) publish(streamId, [{ type: "removed", ids, reason: "blocked" }]);
      const source = (await deps.sources.forStream(streamId)).find((s) => s.platform === platform && s.chat.banAuthor);
      const platformBanned = source ? await viaPlatform(platform, source.destinationId, () => source.chat.banAuthor!(source.api, source.stream, authorId)) : null;
      return { block, hidden: ids.length, platformBanned };
    },
    async unblock(streamId, platform, authorId) {
      const removed = await repo.deleteBlock(streamId, platform, authorId);
      moderation.invalidate(streamId);
      return removed;
    },
    blocks: (streamId) => repo.listBlocks(streamId),
    filters: (streamId) => repo.listFilters(streamId),
    async addFilter(streamId, kind, pattern) {
      const filter = await repo.addFilter(streamId, kind, pattern);
      moderation.invalidate(streamId);
      await moderation.load(streamId);
      // A filter added mid-stream is usually aimed at what is on screen right now: it applies to the history too.
      const ids = await repo.flagVisible(streamId, (text) => moderation.flag(streamId, text));
      if (ids.length > 0) publish(streamId, [{ type: "removed", ids, reason: "filtered" }]);
      return filter;
    },
    async deleteFilter(streamId, id) {
      const removed = await repo.deleteFilter(streamId, id);
      moderation.invalidate(streamId);
      return removed;
    },
    chatModes: async (streamId) => ({ modes: await repo.chatModes(streamId), results: modes.lastResults(streamId) }),
    async setChatModes(streamId, wanted) {
      await repo.setChatModes(streamId, wanted);
      const results = await modes.apply(streamId, wanted, await deps.sources.forStream(streamId));
      return { modes: wanted, results };
    },
    async rotateOverlayToken(streamId) {
      const token = randomSecret("prism_ovl");
      await repo.setOverlayToken(streamId, deps.box.lookupHash(token));
      return token;
    },
    streamForOverlayToken: (token) => repo.streamForOverlayToken(deps.box.lookupHash(token)),
  };

  return {
    api,
    accept,
    async deliver(streamId, platform, messages) {
      if (!deps.cluster || starts.has(streamId)) return accept(streamId, platform, messages);
      await deps.cluster.forwardToOwner(streamId, platform, messages);
    },
    instrument(registry) {
      observer = commentMetrics(registry, () =>
        [...readers].flatMap(([streamId, r]) => [...r.states.values()].map((s) => ({ streamId, streamName: streamNames.get(streamId) ?? "", platform: s.platform, state: s.state }))),
      );
    },
    start() {
      unsubscribe.push(
        deps.bus.on("stream.started", ({ streamId, name }) => {
          streamNames.set(streamId, name);
          void startStream(streamId).catch((err: unknown) => deps.log.error({ err, stream: streamId }, "could not start reading the stream's chat"));
          // Chat readers run once cluster-wide, on the stream's owner.
        }, { localOnly: true }),
      );
      unsubscribe.push(deps.bus.on("stream.ended", ({ streamId }) => endStream(streamId), { localOnly: true }));
    },
    async stop() {
      for (const off of unsubscribe.splice(0)) off();
      for (const streamId of [...new Set([...readers.keys(), ...mergers.keys(), ...inboxes.keys()])]) endStream(streamId);
      await Promise.all(storing.values());
    },
  };
}
