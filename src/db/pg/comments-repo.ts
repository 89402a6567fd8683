import { newPrefixedId } from "../ids.js";
import { and, asc, desc, eq, gt, isNull, lt, sql } from "drizzle-orm";
import type { PgDb } from "./client.js";
import { chatBlocks, chatFilters, chatModes, comments, overlayTokens } from "../schema-pg/index.js";
import type { CommentsStore } from "../store.js";
import type { ChatModes } from "../../core/chat-modes.js";
import type { ChatComment, NewComment } from "../../core/chat-comment.js";
import { chatModesColumns, chatModesOf, filterRow, toComment, type ChatBlock, type ChatFilter } from "../comments-repo.js";

/**
 * PostgreSQL refuses the NUL character in text and jsonb, which SQLite stores; chat is hostile input, and one
 * message carrying it would fail its whole batch. It becomes U+FFFD (the replacement character) here.
 */
function withoutNul<T>(value: T): T {
  if (typeof value === "string") return (value.includes("\0") ? value.replaceAll("\0", "\uFFFD") : value) as T;
  if (Array.isArray(value)) return value.map(withoutNul) as T;
  if (value && Object.getPrototypeOf(value) === Object.prototype) return Object.fromEntries(Object.entries(value).map(([k, v]) => [withoutNul(k), withoutNul(v)])) as T;
  return value;
}

/** The merged chat history and its moderation state in PostgreSQL (see CommentsRepo). */
export class PgCommentsRepo implements CommentsStore {
  constructor(private readonly db: PgDb) {}

  /**
   * One multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING for the whole batch: a message already stored
   * (same stream, platform and platform id) is skipped; the rest get their seq in the batch's order.
   */
  async insertBatch(batch: NewComment[]): Promise<ChatComment[]> {
    if (batch.length === 0) return [];
    const rows = batch.map((raw) => {
      const c = withoutNul(raw);
      return {
        comment: c,
        row: {
          id: newPrefixedId("cmt"),
          streamId: c.streamId,
          platform: c.platform,
          platformMessageId: c.platformMessageId,
          authorId: c.author.id,
          authorName: c.author.name,
          authorAvatarUrl: c.author.avatarUrl ?? null,
          authorColor: c.author.color ?? null,
          authorBadges: c.author.badges,
          text: c.text,
          kind: c.kind,
          amountValue: c.amount?.value ?? null,
          amountCurrency: c.amount?.currency ?? null,
          emotes: c.emotes ?? null,
          sentAt: raw.sentAt.getTime(),
          receivedAt: raw.receivedAt.getTime(),
          flagged: c.flagged,
          hidden: c.hidden,
        },
      };
    });
    const inserted = await this.db
      .insert(comments)
      .values(rows.map((r) => r.row))
      .onConflictDoNothing()
      .returning({ id: comments.id, seq: comments.seq });
    const seqById = new Map(inserted.map((r) => [r.id, r.seq]));
    return rows.flatMap(({ comment, row }) => {
      const seq = seqById.get(row.id);
      if (seq === undefined) return [];
      const { platformMessageId: _, ...rest } = comment;
      return [{ ...rest, id: row.id, seq }];
    });
  }

  /** The newest comments' "platform\nplatform id" keys: what the merger treats as already seen at go-live. */
  async recentPlatformKeys(streamId: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .select({ platform: comments.platform, id: comments.platformMessageId })
      .from(comments)
      .where(eq(comments.streamId, streamId))
      .orderBy(desc(comments.seq))
      .limit(limit);
    return rows.map((r) => `${r.platform}\n${r.id}`);
  }

  async history(streamId: string, opts: { beforeSeq?: number; limit: number; includeFlagged: boolean }): Promise<ChatComment[]> {
    const rows = await this.db
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
      .limit(opts.limit);
    return rows.map(toComment);
  }

  async visibleAfter(streamId: string, afterSeq: number, limit: number): Promise<ChatComment[]> {
    const rows = await this.db
      .select()
      .from(comments)
      .where(and(eq(comments.streamId, streamId), gt(comments.seq, afterSeq), isNull(comments.hidden), isNull(comments.flagged)))
      .orderBy(asc(comments.seq))
      .limit(limit);
    return rows.map(toComment);
  }

  async get(streamId: string, id: string): Promise<ChatComment | undefined> {
    const [row] = await this.db.select().from(comments).where(and(eq(comments.streamId, streamId), eq(comments.id, id)));
    return row && toComment(row);
  }

  async authorName(streamId: string, platform: string, authorId: string): Promise<string | undefined> {
    const [row] = await this.db
      .select({ name: comments.authorName })
      .from(comments)
      .where(and(eq(comments.streamId, streamId), eq(comments.platform, platform), eq(comments.authorId, authorId)))
      .orderBy(desc(comments.seq))
      .limit(1);
    return row?.name;
  }

  async platformMessageId(id: string): Promise<string | undefined> {
    const [row] = await this.db.select({ p: comments.platformMessageId }).from(comments).where(eq(comments.id, id));
    return row?.p;
  }

  /** See CommentsRepo.flagVisible: judged here, written in one transaction, each only if still unflagged. */
  async flagVisible(streamId: string, why: (text: string) => string | null): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      const visible = await tx
        .select({ id: comments.id, text: comments.text })
        .from(comments)
        .where(and(eq(comments.streamId, streamId), isNull(comments.flagged), isNull(comments.hidden)));
      const flagged: string[] = [];
      for (const { id, text } of visible) {
        const reason = why(text);
        if (!reason) continue;
        const done = await tx.update(comments).set({ flagged: reason }).where(and(eq(comments.id, id), isNull(comments.flagged))).returning({ id: comments.id });
        if (done.length > 0) flagged.push(id);
      }
      return flagged;
    });
  }

  async hide(streamId: string, where: { id: string } | { platform: string; authorId: string }, reason: "hidden" | "blocked"): Promise<string[]> {
    const match = "id" in where ? eq(comments.id, where.id) : and(eq(comments.platform, where.platform), eq(comments.authorId, where.authorId));
    const rows = await this.db
      .update(comments)
      .set({ hidden: reason })
      .where(and(eq(comments.streamId, streamId), match, isNull(comments.hidden)))
      .returning({ id: comments.id });
    return rows.map((r) => r.id);
  }

  async listFilters(streamId: string): Promise<ChatFilter[]> {
    const rows = await this.db.select().from(chatFilters).where(eq(chatFilters.streamId, streamId)).orderBy(asc(chatFilters.createdAt), asc(chatFilters.id));
    return rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt) }));
  }

  async addFilter(streamId: string, kind: "word" | "regex", pattern: string): Promise<ChatFilter> {
    const row = filterRow(streamId, kind, pattern);
    await this.db.insert(chatFilters).values(row);
    return { ...row, createdAt: new Date(row.createdAt) };
  }

  async deleteFilter(streamId: string, id: string): Promise<boolean> {
    const gone = await this.db.delete(chatFilters).where(and(eq(chatFilters.streamId, streamId), eq(chatFilters.id, id))).returning({ id: chatFilters.id });
    return gone.length > 0;
  }

  async listBlocks(streamId: string): Promise<ChatBlock[]> {
    const rows = await this.db.select().from(chatBlocks).where(eq(chatBlocks.streamId, streamId)).orderBy(asc(chatBlocks.createdAt), asc(chatBlocks.platform), asc(chatBlocks.authorId));
    return rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt) }));
  }

  async addBlock(streamId: string, platform: string, authorId: string, authorName: string | null): Promise<ChatBlock> {
    const row = { streamId, platform, authorId, authorName, createdAt: Date.now() };
    await this.db.insert(chatBlocks).values(row).onConflictDoNothing();
    return { ...row, createdAt: new Date(row.createdAt) };
  }

  async deleteBlock(streamId: string, platform: string, authorId: string): Promise<boolean> {
    const gone = await this.db
      .delete(chatBlocks)
      .where(and(eq(chatBlocks.streamId, streamId), eq(chatBlocks.platform, platform), eq(chatBlocks.authorId, authorId)))
      .returning({ authorId: chatBlocks.authorId });
    return gone.length > 0;
  }

  async setOverlayToken(streamId: string, tokenHash: string): Promise<void> {
    await this.db
      .insert(overlayTokens)
      .values({ streamId, tokenHash, createdAt: Date.now() })
      .onConflictDoUpdate({ target: overlayTokens.streamId, set: { tokenHash, createdAt: sql`excluded.created_at` } });
  }

  async streamForOverlayToken(tokenHash: string): Promise<string | undefined> {
    const [row] = await this.db.select({ streamId: overlayTokens.streamId }).from(overlayTokens).where(eq(overlayTokens.tokenHash, tokenHash));
    return row?.streamId;
  }

  async chatModes(streamId: string): Promise<ChatModes> {
    const [row] = await this.db.select().from(chatModes).where(eq(chatModes.streamId, streamId));
    return chatModesOf(row);
  }

  async setChatModes(streamId: string, modes: ChatModes): Promise<void> {
    const values = chatModesColumns(modes);
    await this.db.insert(chatModes).values({ streamId, ...values }).onConflictDoUpdate({ target: chatModes.streamId, set: values });
  }
}
