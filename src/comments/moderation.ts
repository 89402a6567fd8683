import type { ChatFilter } from "../db/comments-repo.js";
import type { CommentsStore } from "../db/store.js";

interface Compiled {
  filter: ChatFilter;
  test(text: string): boolean;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Per-stream filters and blocked authors, cached in memory (every message is checked against them)
 * and reloaded from the store whenever the API changes them. The checks are synchronous: `load` the
 * stream's lists first (a no-op while they are cached); a stream not loaded has none.
 */
export class Moderation {
  private readonly filters = new Map<string, Compiled[]>();
  private readonly blocked = new Map<string, Set<string>>();
  /** Bumped by invalidate, so a load that began before a change does not cache the old lists. */
  private readonly versions = new Map<string, number>();

  constructor(private readonly repo: CommentsStore) {}

  /** Reads the stream's filters and blocks from the store unless they are cached. */
  async load(streamId: string): Promise<void> {
    if (this.filters.has(streamId) && this.blocked.has(streamId)) return;
    const version = this.versions.get(streamId) ?? 0;
    const [filters, blocks] = await Promise.all([this.repo.listFilters(streamId), this.repo.listBlocks(streamId)]);
    if ((this.versions.get(streamId) ?? 0) !== version) return this.load(streamId);
    this.filters.set(streamId, filters.map(compile));
    this.blocked.set(streamId, new Set(blocks.map((b) => `${b.platform}\n${b.authorId}`)));
  }

  /** Why a message is flagged, or null: the first filter that matches names the reason. */
  flag(streamId: string, text: string): string | null {
    for (const c of this.compiled(streamId)) {
      if (c.test(text)) return c.filter.kind === "word" ? `word filter "${c.filter.pattern}"` : `regex filter /${c.filter.pattern}/`;
    }
    return null;
  }

  isBlocked(streamId: string, platform: string, authorId: string): boolean {
    return this.blocked.get(streamId)?.has(`${platform}\n${authorId}`) ?? false;
  }

  /** Filters or blocks of this stream changed. */
  invalidate(streamId: string): void {
    this.versions.set(streamId, (this.versions.get(streamId) ?? 0) + 1);
    this.filters.delete(streamId);
    this.blocked.delete(streamId);
  }

  private compiled(streamId: string): Compiled[] {
    return this.filters.get(streamId) ?? [];
  }
}

function compile(filter: ChatFilter): Compiled {
  // Words match whole words, case-insensitively, in any script (\p{L} rather than \b, which is ASCII-only).
  const re = filter.kind === "word" ? new RegExp(`(?<![\\p{L}\\p{N}])${escape(filter.pattern)}(?![\\p{L}\\p{N}])`, "iu") : new RegExp(filter.pattern, "iu");
  return { filter, test: (text: string) => re.test(text) };
}
