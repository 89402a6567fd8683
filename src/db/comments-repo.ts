import { newRowId, newPrefixedId } from "./ids.js";
import { and, asc, desc, eq, gt, isNull, lt, sql } from "drizzle-orm";
import type { Database, Statement } from "better-sqlite3";
import type { Db } from "./client.js";
import { chatBlocks, chatFilters, chatModes, comments, overlayTokens, type CommentRow } from "./schema/index.js";
import { NO_CHAT_MODES, type ChatModes } from "../core/chat-modes.js";
import type { ChatComment, NewComment } from "../core/chat-comment.js";

export interface ChatFilter {
  id: string;
  streamId: string;
  kind: "word" | "regex";
  pattern: string;
  createdAt: Date;
}

type ChatModesRow = typeof chatModes.$inferSelect;

export interface ChatBlock {
  streamId: string;
  platform: string;
  authorId: string;
  authorName: string | null;
  createdAt: Date;
}

/** Shared with pg/comments-repo.ts, as are the builders below the class. */
export const toComment = (r: CommentRow): ChatComment => ({
  id: r.id,
  seq: r.seq,
  platform: r.platform,
  streamId: r.streamId,
  author: {
    id: r.authorId,
    name: r.authorName,
    badges: r.authorBadges,
    ...(r.authorAvatarUrl ? { avatarUrl: r.authorAvatarUrl } : {}),
    ...(r.authorColor ? { color: r.authorColor } : {}),
  },
  text: r.text,
  kind: r.kind,
  ...(r.amountValue !== null && r.amountCurrency !== null ? { amount: { value: r.amountValue, currency: r.amountCurrency } } : {}),
  ...(r.emotes ? { emotes: r.emotes } : {}),
  sentAt: new Date(r.sentAt),
  receivedAt: new Date(r.receivedAt),
  flagged: r.flagged,
  hidden: r.hidden,
});

/** The merged chat history and its moderation state. */
export class CommentsRepo {
  /** drizzle keeps the better-sqlite3 handle it was built on as $client (its type leaves it out). */
  private readonly sqlite: Database;

  constructor(private readonly db: Db) {
    this.sqlite = (db as Db & { $client: Database }).$client;
  }

  /**
   * Stores a released batch in one transaction (one fsync for the batch, not one per message) and
   * returns what was new: a message already stored (same platform id) is skipped. A raw prepared
   * statement: this is the feed's hot path (thousands of rows a second), where building each query
   * through the ORM cost more than SQLite's own work.
   */
  insertBatch(batch: NewComment[]): ChatComment[] {
    const stmt = (this.insertStmt ??= this.sqlite.prepare(
      `INSERT INTO comments (id, stream_id, platform, platform_message_id, author_id, author_name, author_avatar_url, author_color, author_badges, text, kind, amount_value, amount_currency, emotes, sent_at, received_at, flagged, hidden)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING seq`,
    ));
    const insertMany = (this.insertMany ??= this.sqlite.transaction((rows: NewComment[]) => {
      const stored: ChatComment[] = [];
      for (const c of rows) {
        const id = newPrefixedId("cmt");
        const row = stmt.get(
          id,
          c.streamId,
          c.platform,
          c.platformMessageId,
          c.author.id,
          c.author.name,
          c.author.avatarUrl ?? null,
          c.author.color ?? null,
          JSON.stringify(c.author.badges),
          c.text,
          c.kind,
          c.amount?.value ?? null,
          c.amount?.currency ?? null,
          c.emotes ? JSON.stringify(c.emotes) : null,
          c.sentAt.getTime(),
          c.receivedAt.getTime(),
          c.flagged,
          c.hidden,
        ) as { seq: number } | undefined;
        if (!row) continue;
        const { platformMessageId: _, ...comment } = c;
        stored.push({ ...comment, id, seq: row.seq });
      }
      return stored;
    }));
    return insertMany(batch);
  }
  private insertStmt: Statement | undefined;
  private insertMany: ((rows: NewComment[]) => ChatComment[]) | undefined;

  /**
   * The (platform, platform message id) pairs of the stream's newest `limit` messages, as `platform\nid`: what a
   * reader starting again may hand over a second time. Seeds the feed's synchronous repeat check (ON CONFLICT in
   * insertBatch stays the real guard).
   */
  recentPlatformKeys(streamId: string, limit: number): string[] {
    return this.db
      .select({ platform: comments.platform, id: comments.platformMessageId })
      .from(comments)
      .where(eq(comments.streamId, streamId))
      .orderBy(desc(comments.seq))
      .limit(limit)
      .all()
      .map((r) => `${r.platform}\n${r.id}`);
  }

  /** Newest first, before `beforeSeq`; flagged ones only when asked; hidden ones never. */
  history(streamId: string, opts: { beforeSeq?: number; limit: number; includeFlagged: boolean }): ChatComment[] {
    return this.db
      .select()
      .from(comments)
      .where(
        and(
          eq(comments.streamId, streamId),
          isNull(comments.hidden),
          opts.includeFlagged ? undefined : isNull(comments.flagged),
          opts.beforeSeq === undefined ? undefined : lt(comments.seq, opts.beforeSeq),
        ),
      )
      .orderBy(desc(comments.seq))
      .limit(opts.limit)
      .all()
      .map(toComment);
  }

  /** The visible messages after `afterSeq`, oldest first: what a reconnecting client missed. */
  visibleAfter(streamId: string, afterSeq: number, limit: number): ChatComment[] {
    return this.db
      .select()
      .from(comments)
      .where(and(eq(comments.streamId, streamId), gt(comments.seq, afterSeq), isNull(comments.hidden), isNull(comments.flagged)))
      .orderBy(asc(comments.seq))
      .limit(limit)
      .all()
      .map(toComment);
  }

  get(streamId: string, id: string): ChatComment | undefined {
    const row = this.db.select().from(comments).where(and(eq(comments.streamId, streamId), eq(comments.id, id))).get();
    return row && toComment(row);
  }

  /** The name an author last wrote under, for the list of blocked authors. */
  authorName(streamId: string, platform: string, authorId: string): string | undefined {
    return this.db
      .select({ name: comments.authorName })
      .from(comments)
      .where(and(eq(comments.streamId, streamId), eq(comments.platform, platform), eq(comments.authorId, authorId)))
      .orderBy(desc(comments.seq))
      .limit(1)
      .get()?.name;
  }

  platformMessageId(id: string): string | undefined {
    return this.db.select({ p: comments.platformMessageId }).from(comments).where(eq(comments.id, id)).get()?.p;
  }

  /**
   * Flags the visible messages of a stream that `why` names (a filter added while the chat runs):
   * they leave the feed but stay for review. Returns the ids flagged.
   */
  flagVisible(streamId: string, why: (text: string) => string | null): string[] {
    const visible = this.sqlite.prepare("SELECT id, text FROM comments WHERE stream_id = ? AND flagged IS NULL AND hidden IS NULL").all(streamId) as Array<{ id: string; text: string }>;
    const update = this.sqlite.prepare("UPDATE comments SET flagged = ? WHERE id = ? AND flagged IS NULL");
    const flagged: string[] = [];
    this.sqlite.transaction(() => {
      for (const { id, text } of visible) {
        const reason = why(text);
        if (reason && update.run(reason, id).changes > 0) flagged.push(id);
      }
    })();
    return flagged;
  }

  /** Marks messages hidden; returns the ids that were visible until now. */
  hide(streamId: string, where: { id: string } | { platform: string; authorId: string }, reason: "hidden" | "blocked"): string[] {
    const match = "id" in where ? eq(comments.id, where.id) : and(eq(comments.platform, where.platform), eq(comments.authorId, where.authorId));
    return this.db
      .update(comments)
      .set({ hidden: reason })
      .where(and(eq(comments.streamId, streamId), match, isNull(comments.hidden)))
      .returning({ id: comments.id })
      .all()
      .map((r) => r.id);
  }

  listFilters(streamId: string): ChatFilter[] {
    return this.db
      .select()
      .from(chatFilters)
      .where(eq(chatFilters.streamId, streamId))
      .orderBy(asc(chatFilters.createdAt), asc(chatFilters.id))
      .all()
      .map((r) => ({ ...r, createdAt: new Date(r.createdAt) }));
  }

  addFilter(streamId: string, kind: "word" | "regex", pattern: string): ChatFilter {
    const row = filterRow(streamId, kind, pattern);
    this.db.insert(chatFilters).values(row).run();
    return { ...row, createdAt: new Date(row.createdAt) };
  }

  deleteFilter(streamId: string, id: string): boolean {
    return this.db.delete(chatFilters).where(and(eq(chatFilters.streamId, streamId), eq(chatFilters.id, id))).run().changes > 0;
  }

  listBlocks(streamId: string): ChatBlock[] {
    return this.db
      .select()
      .from(chatBlocks)
      .where(eq(chatBlocks.streamId, streamId))
      .all()
      .map((r) => ({ ...r, createdAt: new Date(r.createdAt) }));
  }

  addBlock(streamId: string, platform: string, authorId: string, authorName: string | null): ChatBlock {
    const row = { streamId, platform, authorId, authorName, createdAt: Date.now() };
    this.db.insert(chatBlocks).values(row).onConflictDoNothing().run();
    return { ...row, createdAt: new Date(row.createdAt) };
  }

  deleteBlock(streamId: string, platform: string, authorId: string): boolean {
    return this.db.delete(chatBlocks).where(and(eq(chatBlocks.streamId, streamId), eq(chatBlocks.platform, platform), eq(chatBlocks.authorId, authorId))).run().changes > 0;
  }

  /** Replaces the stream's overlay token (the old one stops working at once). */
  setOverlayToken(streamId: string, tokenHash: string): void {
    this.db
      .insert(overlayTokens)
      .values({ streamId, tokenHash, createdAt: Date.now() })
      .onConflictDoUpdate({ target: overlayTokens.streamId, set: { tokenHash, createdAt: sql`excluded.created_at` } })
      .run();
  }

  streamForOverlayToken(tokenHash: string): string | undefined {
    return this.db.select({ streamId: overlayTokens.streamId }).from(overlayTokens).where(eq(overlayTokens.tokenHash, tokenHash)).get()?.streamId;
  }

  /** The stream's chat modes (all off when never set). */
  chatModes(streamId: string): ChatModes {
    return chatModesOf(this.db.select().from(chatModes).where(eq(chatModes.streamId, streamId)).get());
  }

  setChatModes(streamId: string, modes: ChatModes): void {
    const values = chatModesColumns(modes);
    this.db.insert(chatModes).values({ streamId, ...values }).onConflictDoUpdate({ target: chatModes.streamId, set: values }).run();
  }
}

export function filterRow(streamId: string, kind: "word" | "regex", pattern: string) {
  return { id: newRowId(), streamId, kind, pattern, createdAt: Date.now() };
}

export function chatModesOf(row: ChatModesRow | undefined): ChatModes {
  if (!row) return NO_CHAT_MODES;
  return {
    slowSec: row.slowSec,
    followersOnly: row.minFollowMinutes === null ? false : { minFollowMinutes: row.minFollowMinutes },
    subscribersOnly: row.subscribersOnly,
    emoteOnly: row.emoteOnly,
  };
}

export function chatModesColumns(modes: ChatModes) {
  return {
    slowSec: modes.slowSec,
    minFollowMinutes: modes.followersOnly === false ? null : modes.followersOnly.minFollowMinutes,
    subscribersOnly: modes.subscribersOnly,
    emoteOnly: modes.emoteOnly,
    updatedAt: Date.now(),
  };
}
