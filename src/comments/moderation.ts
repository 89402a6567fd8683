import type { ChatFilter, CommentsRepo } from "../db/comments-repo.js";

interface Compiled {
  filter: ChatFilter;
  test(text: string): boolean;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Per-stream filters and blocked authors, cached in memory (every message is checked against them)
 * and reloaded from the store whenever the API changes them.
 */
export class Moderation {
  private readonly filters = new Map<string, Compiled[]>();
  private readonly blocked = new Map<string, Set<string>>();

  constructor(private readonly repo: CommentsRepo) {}

  /** Why a message is flagged, or null: the first filter that matches names the reason. */
  flag(streamId: string, text: string): string | null {
    for (const c of this.compiled(streamId)) {
      if (c.test(text)) return c.filter.kind === "word" ? `word filter "${c.filter.pattern}"` : `regex filter /${c.filter.pattern}/`;
    }
    return null;
  }

  isBlocked(streamId: string, platform: string, authorId: string): boolean {
    let set = this.blocked.get(streamId);
    if (!set) this.blocked.set(streamId, (set = new Set(this.repo.listBlocks(streamId).map((b) => `${b.platform}\n${b.authorId}`))));
    return set.has(`${platform}\n${authorId}`);
  }

  /** Filters or blocks of this stream changed. */
  invalidate(streamId: string): void {
    this.filters.delete(streamId);
    this.blocked.delete(streamId);
  }

  private compiled(streamId: string): Compiled[] {
    let list = this.filters.get(streamId);
    if (!list) {
      list = this.repo.listFilters(streamId).map((filter) => {
        // Words match whole words, case-insensitively, in any script (\p{L} rather than \b, which is ASCII-only).
        const re = filter.kind === "word" ? new RegExp(`(?<![\\p{L}\\p{N}])${escape(filter.pattern)}(?![\\p{L}\\p{N}])`, "iu") : new RegExp(filter.pattern, "iu");
        return { filter, test: (text: string) => re.test(text) };
      });
      this.filters.set(streamId, list);
    }
    return list;
  }
}
