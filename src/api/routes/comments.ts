import { createRoute, z } from "@hono/zod-openapi";
import type { StreamsStore } from "../../db/store.js";
import type { CommentsApi } from "../../comments/index.js";
import { unsafeRegexReason } from "../../comments/index.js";
import type { ChatBlock, ChatFilter } from "../../db/comments-repo.js";
import { body, json, newRouter } from "../router.js";
import { ApiError, ErrorSchema, commonErrors, errorBody, notFound, notFoundError } from "../errors.js";
import { IdParam } from "../schemas.js";
import {
  BlockParams,
  BlockResult,
  ChatBlockSchema,
  ChatFilterSchema,
  ChatModesBody,
  ChatModesSchema,
  CommentPage,
  CommentParams,
  CommentsQuery,
  CreateChatBlockBody,
  CreateChatFilterBody,
  FilterParams,
  HideResult,
  OverlayTokenSchema,
  SSE_EXAMPLE,
  SendCommentBody,
  SendCommentResult,
} from "../comment-schemas.js";
import { commentView, FEED_UNAVAILABLE_EXAMPLE, lastEventId, sseFeed } from "./comments-sse.js";
import { overlayPagePath } from "./overlay.js";

const NO_CHAT = "This stream has no destination of a linked account whose platform chat Prism reads (or none on the platforms asked for): add one under /streams/:id/destinations with an accountId.";

const filterView = (f: ChatFilter) => ({ ...f, createdAt: f.createdAt.toISOString() });
const blockView = (b: ChatBlock) => ({ ...b, createdAt: b.createdAt.toISOString() });

/** The merged chat feed of a stream: history, live feed, sending, moderation and the overlay token. */
export function commentRoutes({ streams, comments, publicUrl }: { streams: StreamsStore; comments: CommentsApi; publicUrl: () => string }) {
  const app = newRouter();
  const requireStream = async (id: string) => {
    if (!(await streams.get(id))) throw notFound("Stream");
  };

  app.openapi(
    createRoute({
      method: "get",
      path: "/streams/{id}/comments",
      summary: "Chat history of the stream, newest page first (hidden and blocked messages never; filtered ones with ?include=flagged)",
      request: { params: IdParam, query: CommentsQuery },
      responses: { 200: json(CommentPage, "One page of the history"), ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { before, limit, include } = c.req.valid("query");
      await requireStream(id);
      const page = await comments.history(id, { ...(before === undefined ? {} : { beforeSeq: before }), limit, includeFlagged: include === "flagged" });
      const oldest = page[page.length - 1];
      return c.json({ comments: page.reverse().map(commentView), next: page.length === limit && oldest ? oldest.seq : null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/streams/{id}/comments/stream",
      summary: "Live chat as Server-Sent Events; reconnecting with Last-Event-ID replays what was missed",
      description:
        "Events: `comment` (id: the message's `seq`, data: a Comment) and `removed` (data: `{ ids, reason }`, when a moderator hides a message, blocks its author, or adds a filter that matches it). A client that reconnects with the `Last-Event-ID` header (EventSource does it by itself) first gets every visible message after that id, then the live feed, so nothing is lost. Without it, the feed starts now; GET /comments has the history.",
      request: { params: IdParam, headers: z.object({ "last-event-id": z.string().optional().openapi({ example: "1042" }) }) },
      responses: {
        200: { description: "An endless event stream", content: { "text/event-stream": { schema: z.string(), example: SSE_EXAMPLE } } },
        ...commonErrors,
        ...notFoundError,
        503: {
          description: "In a cluster: this node lost NATS, which carries the chat of a stream live on another node (Retry-After says when to try again)",
          content: { "application/json": { schema: ErrorSchema, example: errorBody("cluster_unavailable", FEED_UNAVAILABLE_EXAMPLE) } },
        },
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await requireStream(id);
      return sseFeed(c, comments, id, lastEventId(c)) as any;
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/streams/{id}/comments/ws",
      summary: "Live chat over a WebSocket (this answers 426 to a plain GET)",
      description:
        "Open a WebSocket here. Authenticate with `Authorization: Bearer <token>`, or — browsers cannot set headers — with the subprotocols `prism.chat` and `bearer.<token>` (e.g. `new WebSocket(url, [\"prism.chat\", \"bearer.\" + token])`); never put a token in the URL. `?after=<seq>` replays what came after that message first. Each frame is JSON: `{ \"type\": \"comment\", \"comment\": Comment }` or `{ \"type\": \"removed\", \"ids\": [...], \"reason\": \"hidden\" | \"blocked\" | \"filtered\" }`.",
      request: { params: IdParam, query: z.object({ after: z.coerce.number().int().min(0).optional().openapi({ example: 1042 }) }) },
      responses: {
        426: json(z.object({ error: z.object({ code: z.string(), message: z.string() }) }).openapi({ example: { error: { code: "upgrade_required", message: "Open this URL as a WebSocket." } } }), "Not a WebSocket request"),
        ...commonErrors,
        ...notFoundError,
      },
    }),
    async (c) => {
      await requireStream(c.req.valid("param").id);
      c.header("Upgrade", "websocket");
      return c.json({ error: { code: "upgrade_required", message: "Open this URL as a WebSocket (subprotocols prism.chat and bearer.<token>, or an Authorization header)." } }, 426);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/streams/{id}/comments",
      summary: "Post a message to the stream's chat on every chosen platform; reports each platform's answer",
      request: { params: IdParam, ...body(SendCommentBody) },
      responses: {
        200: json(SendCommentResult, "Per-platform results"),
        409: {
          description: "No platform chat to post to",
          content: { "application/json": { schema: ErrorSchema, example: errorBody("no_chat", NO_CHAT) } },
        },
        ...commonErrors,
        ...notFoundError,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { text, platforms } = c.req.valid("json");
      await requireStream(id);
      const results = await comments.send(id, text, platforms);
      if (results.length === 0) {
        throw new ApiError(409, "no_chat", NO_CHAT);
      }
      return c.json({ results }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/streams/{id}/comments/{commentId}/hide",
      summary: "Hide one message from the feed and the overlay; also deletes it on the platform where its API allows",
      request: { params: CommentParams },
      responses: { 200: json(HideResult, "Hidden"), ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { id, commentId } = c.req.valid("param");
      const result = await comments.hide(id, commentId);
      if (!result) throw notFound("Comment");
      return c.json({ comment: commentView(result.comment), platformDeleted: result.platformDeleted }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/streams/{id}/chat-filters",
      summary: "The stream's word and regex chat filters",
      request: { params: IdParam },
      responses: { 200: json(z.array(ChatFilterSchema), "Filters"), ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await requireStream(id);
      return c.json((await comments.filters(id)).map(filterView), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/streams/{id}/chat-filters",
      summary: "Add a filter: matching messages are kept but flagged, out of the feed and the overlay",
      description:
        "Regexes are JavaScript syntax, case-insensitive, from a subset that cannot hang the matcher: at most 200 characters, no backreferences or lookarounds, and no repeated group that itself repeats or alternates (`(a+)+`, `(a|b)*`).",
      request: { params: IdParam, ...body(CreateChatFilterBody) },
      responses: { 201: json(ChatFilterSchema, "Created"), ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { kind, pattern } = c.req.valid("json");
      await requireStream(id);
      if (kind === "regex") {
        const reason = unsafeRegexReason(pattern);
        if (reason) throw new ApiError(400, "validation_failed", `pattern: ${reason}`, { issues: [{ path: "pattern", message: reason }] });
      } else if (pattern.trim() === "") {
        throw new ApiError(400, "validation_failed", "pattern: must not be blank", { issues: [{ path: "pattern", message: "must not be blank" }] });
      }
      return c.json(filterView(await comments.addFilter(id, kind, kind === "word" ? pattern.trim() : pattern)), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/streams/{id}/chat-filters/{filterId}",
      summary: "Remove a filter (messages it flagged stay flagged)",
      request: { params: FilterParams },
      responses: { 204: { description: "Deleted" }, ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { id, filterId } = c.req.valid("param");
      if (!(await comments.deleteFilter(id, filterId))) throw notFound("Filter");
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/streams/{id}/chat-blocks",
      summary: "Authors blocked from the stream's feed",
      request: { params: IdParam },
      responses: { 200: json(z.array(ChatBlockSchema), "Blocked authors"), ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await requireStream(id);
      return c.json((await comments.blocks(id)).map(blockView), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/streams/{id}/chat-blocks",
      summary: "Block an author: their messages leave the feed and the overlay; also banned on the platform where its API allows",
      request: { params: IdParam, ...body(CreateChatBlockBody) },
      responses: { 200: json(BlockResult, "Blocked"), ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { platform, authorId } = c.req.valid("json");
      await requireStream(id);
      const result = await comments.block(id, platform, authorId);
      return c.json({ block: blockView(result.block), hidden: result.hidden, platformBanned: result.platformBanned }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/streams/{id}/chat-blocks/{platform}/{authorId}",
      summary: "Unblock an author (their new messages show again; a platform ban stays until lifted there)",
      request: { params: BlockParams },
      responses: { 204: { description: "Unblocked" }, ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { id, platform, authorId } = c.req.valid("param");
      if (!(await comments.unblock(id, platform, authorId))) throw notFound("Block");
      return c.body(null, 204);
    },
  );

  const CHAT_MODES_HOW =
    "Set once for the stream; applied now on every platform chat of the stream whose API allows it, and again each time the stream goes live (unless every mode is off, which leaves the platforms' own settings alone). Where a platform cannot hold a mode, Prism holds that platform's messages to it in its merged feed and overlay where it can tell from a message: slow mode (per author), emote-only (platform emotes and emoji), subscribers-only (where the platform badges its supporters). Followers-only cannot be told from a message: it is `unavailable` where the platform does not hold it. Each platform's answer says which.";

  app.openapi(
    createRoute({
      method: "get",
      path: "/streams/{id}/chat-modes",
      summary: "The stream's chat modes (slow, followers-only, subscribers-only, emote-only) and who holds each, per platform",
      description: CHAT_MODES_HOW,
      request: { params: IdParam },
      responses: { 200: json(ChatModesSchema, "Modes and the last answer of each platform"), ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await requireStream(id);
      return c.json(await comments.chatModes(id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/streams/{id}/chat-modes",
      summary: "Set the stream's chat modes on every platform that allows it; Prism holds the rest in its feed and overlay",
      description: CHAT_MODES_HOW,
      request: { params: IdParam, ...body(ChatModesBody) },
      responses: { 200: json(ChatModesSchema, "Stored, with each platform's answer"), ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const input = c.req.valid("json");
      await requireStream(id);
      const result = await comments.setChatModes(id, {
        slowSec: input.slowSec ?? null,
        followersOnly: input.followersOnly ?? false,
        subscribersOnly: input.subscribersOnly,
        emoteOnly: input.emoteOnly,
      });
      return c.json(result, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/streams/{id}/overlay-token",
      summary: "New read-only overlay token and URL for an OBS Browser Source (the previous one stops working)",
      request: { params: IdParam },
      responses: { 200: json(OverlayTokenSchema, "The token, shown this once"), ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await requireStream(id);
      const token = await comments.rotateOverlayToken(id);
      return c.json({ token, overlayUrl: `${publicUrl()}${overlayPagePath(token)}` }, 200);
    },
  );

  return app;
}
