import { z } from "@hono/zod-openapi";
import { MAX_PATTERN_LENGTH } from "../comments/safe-regex.js";
import { examplePlatform, otherExamplePlatform, platformName } from "./platform-examples.js";

const example = examplePlatform.id;

// Examples for the API reference; the OpenAPI test checks each one against its own schema.
const commentExample = {
  id: "cmt_8c0f3a9e2b7d4c1e9a431f0e6b7d2c11",
  seq: 1042,
  platform: example,
  streamId: "5b0c8f8e-2d7a-4c1e-9a43-1f0e6b7d2c11",
  author: { id: "141981764", name: "speedfan42", badges: ["subscriber/12"], color: "#1E90FF" },
  text: "that skip was clean!",
  kind: "paid" as const,
  amount: { value: 5, currency: "USD" },
  sentAt: "2026-11-24T19:02:03.114Z",
  receivedAt: "2026-11-24T19:02:03.380Z",
  flagged: null,
  hidden: null,
};

export const CommentSchema = z
  .object({
    id: z.string(),
    seq: z.number().int().openapi({ description: "Position in the stream's feed: the `before` cursor and the SSE event id" }),
    platform: z.string(),
    streamId: z.string(),
    author: z.object({ id: z.string(), name: z.string(), avatarUrl: z.string().optional(), badges: z.array(z.string()), color: z.string().optional() }),
    text: z.string().openapi({ description: "What the viewer wrote; for an engagement event without a message, what the platform says happened (e.g. \"raided with 42 viewers\")" }),
    kind: z.enum(["message", "paid", "membership", "raid", "gift"]).openapi({
      description:
        "message: plain chat. Engagement events: paid (Super Chat, Super Sticker, cheer), membership (a new, upgraded or renewed membership or subscription, a milestone, a gifted membership received), gift (memberships or subscriptions gifted to others), raid",
    }),
    amount: z
      .object({ value: z.number().openapi({ description: "Whole units: 5.5 is 5.50" }), currency: z.string().openapi({ description: "ISO 4217 code, or a platform currency such as BITS" }) })
      .optional()
      .openapi({ description: "Money or platform currency attached, where there is some" }),
    emotes: z.array(z.object({ id: z.string(), name: z.string(), start: z.number().int(), end: z.number().int(), url: z.string().optional() })).optional(),
    sentAt: z.string(),
    receivedAt: z.string(),
    flagged: z.string().nullable().openapi({ description: "The filter or chat mode that kept it off the feed (only with ?include=flagged); null when clean" }),
    hidden: z.enum(["hidden", "blocked"]).nullable(),
  })
  .openapi("Comment", { example: commentExample });

export const CommentPage = z
  .object({
    comments: z.array(CommentSchema).openapi({ description: "Oldest first" }),
    next: z.number().int().nullable().openapi({ description: "Pass as `before` for the older page; null at the start of the history" }),
  })
  .openapi("CommentPage", { example: { comments: [commentExample], next: 1042 } });

export const CommentsQuery = z.object({
  before: z.coerce.number().int().min(1).optional().openapi({ description: "Only messages before this `seq`", example: 1042 }),
  limit: z.coerce.number().int().min(1).max(500).default(100).openapi({ example: 100 }),
  include: z.enum(["flagged"]).optional().openapi({ description: "`flagged`: also the messages a filter caught, for review" }),
});

export const CommentParams = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "5b0c…" }),
  commentId: z.string().openapi({ param: { name: "commentId", in: "path" }, example: commentExample.id }),
});

export const SendCommentBody = z
  .object({
    text: z.string().trim().min(1, "must not be empty").max(500, "must be at most 500 characters (shorter platform limits are checked by the platform)"),
    platforms: z.array(z.string()).min(1).optional().openapi({ description: "Only these platforms; default: every platform of the stream whose chat Prism reads" }),
  })
  .openapi("SendComment", { example: { text: "Thanks for watching, back in 5!", platforms: [example, otherExamplePlatform.id] } });

const sendResultExample = [
  { platform: example, destinationId: "9f1e2d3c-4b5a-4697-8877-665544332211", ok: true },
  { platform: otherExamplePlatform.id, destinationId: "1a2b3c4d-4b5a-4697-8877-665544332211", ok: false, error: `${platformName(otherExamplePlatform)} refused the message: the account lacks the scope to post.` },
];
export const SendCommentResult = z
  .object({ results: z.array(z.object({ platform: z.string(), destinationId: z.string(), ok: z.boolean(), error: z.string().optional() })) })
  .openapi("SendCommentResult", { example: { results: sendResultExample } });

const platformResult = z.object({ platform: z.string(), destinationId: z.string(), ok: z.boolean(), error: z.string().optional() }).nullable();

export const HideResult = z
  .object({ comment: CommentSchema, platformDeleted: platformResult.openapi({ description: "What the platform said when asked to delete it; null: the platform offers no deletion" }) })
  .openapi("HideResult", { example: { comment: { ...commentExample, hidden: "hidden" as const }, platformDeleted: { platform: example, destinationId: "9f1e2d3c-4b5a-4697-8877-665544332211", ok: true } } });

const filterExample = { id: "0d6c1a52-5b8e-4e0c-9a1f-2f3e4d5c6b7a", streamId: commentExample.streamId, kind: "word" as const, pattern: "spoiler", createdAt: "2026-11-24T18:00:00.000Z" };
export const ChatFilterSchema = z
  .object({ id: z.string(), streamId: z.string(), kind: z.enum(["word", "regex"]), pattern: z.string(), createdAt: z.string() })
  .openapi("ChatFilter", { example: filterExample });
export const CreateChatFilterBody = z
  .object({
    kind: z.enum(["word", "regex"]).openapi({ description: "`word`: a whole word or phrase, any case; `regex`: a JavaScript regular expression from a safe subset" }),
    pattern: z.string().min(1, "must not be empty").max(MAX_PATTERN_LENGTH, `must be at most ${MAX_PATTERN_LENGTH} characters`),
  })
  .openapi("CreateChatFilter", { example: { kind: "regex", pattern: "buy (cheap )?followers" } });
export const FilterParams = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "5b0c…" }),
  filterId: z.string().openapi({ param: { name: "filterId", in: "path" }, example: filterExample.id }),
});

const blockExample = { streamId: commentExample.streamId, platform: example, authorId: "141981764", authorName: "speedfan42", createdAt: "2026-11-24T19:05:00.000Z" };
export const ChatBlockSchema = z
  .object({ streamId: z.string(), platform: z.string(), authorId: z.string(), authorName: z.string().nullable(), createdAt: z.string() })
  .openapi("ChatBlock", { example: blockExample });
export const CreateChatBlockBody = z
  .object({ platform: z.string().min(1), authorId: z.string().min(1) })
  .openapi("CreateChatBlock", { example: { platform: example, authorId: "141981764" } });
export const BlockResult = z
  .object({
    block: ChatBlockSchema,
    hidden: z.number().int().openapi({ description: "Messages of the author taken off the feed" }),
    platformBanned: platformResult.openapi({ description: "What the platform said when asked to ban the author; null: the platform offers no ban" }),
  })
  .openapi("BlockResult", { example: { block: blockExample, hidden: 3, platformBanned: { platform: example, destinationId: "9f1e2d3c-4b5a-4697-8877-665544332211", ok: true } } });
export const BlockParams = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "5b0c…" }),
  platform: z.string().openapi({ param: { name: "platform", in: "path" }, example }),
  authorId: z.string().openapi({ param: { name: "authorId", in: "path" }, example: "141981764" }),
});

export const OverlayTokenSchema = z
  .object({ token: z.string(), overlayUrl: z.string().openapi({ description: "Paste into OBS → Sources → Browser → URL" }) })
  .openapi("OverlayToken", { example: { token: "prism_ovl_Wc3kq9…", overlayUrl: "http://192.168.1.10:8080/overlay/chat/prism_ovl_Wc3kq9…" } });

export const OverlayFeedQuery = z.object({
  recent: z.coerce
    .number()
    .int()
    .min(0)
    .max(100)
    .optional()
    .openapi({ description: "Without Last-Event-ID: start with up to this many of the newest visible messages of the last minute (the overlay page asks for 20, so a reloaded Browser Source is not blank), then the live feed. Default 0: from now.", example: 20 }),
});
export const OverlayParams = z.object({ overlayToken: z.string().openapi({ param: { name: "overlayToken", in: "path" }, example: "prism_ovl_Wc3kq9…" }) });

/** What an SSE feed sends, for the API reference. */
export const SSE_EXAMPLE = `id: 1042\nevent: comment\ndata: ${JSON.stringify(commentExample)}\n\nevent: removed\ndata: {"ids":["cmt_8c0f3a9e2b7d4c1e9a431f0e6b7d2c11"],"reason":"blocked"}\n\n`;

const chatModesExample = { slowSec: 30, followersOnly: { minFollowMinutes: 10 }, subscribersOnly: false, emoteOnly: false };

export const ChatModesBody = z
  .object({
    slowSec: z.number().int().min(1).max(3600).nullable().optional().openapi({ description: "Seconds each author must wait between messages (1–3600); null or absent: off", example: 30 }),
    followersOnly: z
      .union([z.object({ minFollowMinutes: z.number().int().min(0).max(129_600).openapi({ description: "How long someone must have followed (0–129600 minutes, 90 days)", example: 10 }) }), z.literal(false)])
      .optional()
      .openapi({ description: "Only followers may chat; false or absent: off" }),
    subscribersOnly: z.boolean().openapi({ description: "Only subscribers / channel members may chat" }),
    emoteOnly: z.boolean().openapi({ description: "Only messages made of emotes (and emoji)" }),
  })
  .openapi("ChatModesInput", { example: chatModesExample });

const ModeOutcomeSchema = z.enum(["platform", "prism", "unavailable"]).openapi({
  description: "platform: the platform's own chat holds it · prism: Prism holds that platform's messages to it in its merged feed and overlay (the platform's own chat still shows them) · unavailable: neither can",
});

const modesResultExample = {
  platform: example,
  destinationId: "9a3e2c1b-7d4f-4e8a-b6c5-0f1e2d3c4b5a",
  applied: "platform" as const,
  modes: { slowSec: "platform" as const, followersOnly: "platform" as const },
  message: `${example} holds slow mode, followers-only itself.`,
};

export const ChatModesSchema = z
  .object({
    modes: z.object({
      slowSec: z.number().int().nullable(),
      followersOnly: z.union([z.object({ minFollowMinutes: z.number().int() }), z.literal(false)]),
      subscribersOnly: z.boolean(),
      emoteOnly: z.boolean(),
    }),
    results: z
      .array(
        z.object({
          platform: z.string(),
          destinationId: z.string(),
          applied: ModeOutcomeSchema.openapi({ description: "The weakest outcome among the modes switched on" }),
          modes: z.record(z.string(), ModeOutcomeSchema).openapi({ description: "Per mode switched on: who holds it" }),
          message: z.string(),
        }),
      )
      .openapi({ description: "Per platform chat of the stream (linked-account destinations); empty until applied" }),
  })
  .openapi("ChatModes", { example: { modes: { ...chatModesExample }, results: [modesResultExample] } });
