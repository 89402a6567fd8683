import { Counter, Gauge, type Registry } from "prom-client";
import type { ChatReaderState } from "../destinations/chat-types.js";
import type { ChatComment } from "./types.js";

export type CommentOutcome = "shown" | "flagged" | "blocked";

/** What the feed reports to its metrics. */
export interface CommentsObserver {
  stored(streamName: string, comment: ChatComment, outcome: CommentOutcome): void;
}

/** One chat reader's state at scrape time. */
export interface ReaderStateRow {
  streamId: string;
  streamName: string;
  platform: string;
  state: ChatReaderState;
}

const READER_STATES: readonly ChatReaderState[] = ["connecting", "live", "reconnecting", "failed"];

/**
 * Comment metrics, registered on the service's Prometheus registry: messages per stream and
 * platform by what moderation made of them (rate() of it is the chat rate), and each chat
 * reader's state. Authors and texts never become labels.
 */
export function commentMetrics(registry: Registry, readerStates: () => ReaderStateRow[]): CommentsObserver {
  const comments = new Counter({
    name: "prism_comments_total",
    help: "Chat messages merged into a stream's feed, by platform and outcome: shown, flagged (a filter caught it) or blocked (its author is blocked)",
    labelNames: ["stream", "stream_id", "platform", "outcome"],
    registers: [registry],
  });
  new Gauge({
    name: "prism_chat_reader_state",
    help: "1 for the state each platform's chat reader of a live stream is in, 0 for the others",
    labelNames: ["stream", "stream_id", "platform", "state"],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of readerStates()) {
        for (const state of READER_STATES) this.set({ stream: r.streamName, stream_id: r.streamId, platform: r.platform, state }, state === r.state ? 1 : 0);
      }
    },
  });
  const engagement = new Counter({
    name: "prism_engagement_events_total",
    help: "Engagement events shown in a stream's feed (Super Chats, cheers, memberships, gifts, raids), by platform and kind",
    labelNames: ["stream", "stream_id", "platform", "kind"],
    registers: [registry],
  });
  const amounts = new Counter({
    name: "prism_engagement_amount_total",
    help: "Money and platform currency of the engagement events shown in a stream's feed, in whole units, by platform and currency (ISO 4217, or BITS)",
    labelNames: ["stream", "stream_id", "platform", "currency"],
    registers: [registry],
  });
  return {
    stored(streamName, c, outcome) {
      comments.inc({ stream: streamName, stream_id: c.streamId, platform: c.platform, outcome });
      if (c.kind === "message" || outcome !== "shown") return;
      engagement.inc({ stream: streamName, stream_id: c.streamId, platform: c.platform, kind: c.kind });
      if (c.amount) amounts.inc({ stream: streamName, stream_id: c.streamId, platform: c.platform, currency: c.amount.currency }, c.amount.value);
    },
  };
}
