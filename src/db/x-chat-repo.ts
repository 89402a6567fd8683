import { eq, sql } from "drizzle-orm";
import type { Db } from "./client.js";
import { xDestinationChat } from "./schema/index.js";

export interface XChatSettings {
  postId: string | null;
  announceText: string | null;
  broadcastId: string | null;
}

export type XChatPatch = Partial<XChatSettings>;

/** The chat settings of X destinations (one row per destination that has any). */
export class XChatRepo {
  // Prepared once: the X reader asks before every poll, so a post changed while live is picked up.
  private readonly byId;

  constructor(private readonly db: Db) {
    this.byId = db
      .select()
      .from(xDestinationChat)
      .where(eq(xDestinationChat.destinationId, sql.placeholder("id")))
      .prepare();
  }

  get(destinationId: string): XChatSettings {
    const row = this.byId.get({ id: destinationId });
    return { postId: row?.postId ?? null, announceText: row?.announceText ?? null, broadcastId: row?.broadcastId ?? null };
  }

  /** Fields left out keep their value; null clears one. */
  update(destinationId: string, patch: XChatPatch): XChatSettings {
    const next = { ...this.get(destinationId), ...definedOnly(patch) };
    this.db
      .insert(xDestinationChat)
      .values({ destinationId, ...next, updatedAt: Date.now() })
      .onConflictDoUpdate({ target: xDestinationChat.destinationId, set: { ...next, updatedAt: Date.now() } })
      .run();
    return next;
  }
}

function definedOnly(patch: XChatPatch): XChatPatch {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
}
