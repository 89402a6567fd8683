import type { youtube_v3 } from "@googleapis/youtube";
import { Server, ServerCredentials, status, loadPackageDefinition, type ServerWritableStream, type ServiceDefinition } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { PROTO_OPTIONS, STREAM_LIST_PROTO } from "../../src/destinations/youtube/stream-list.js";
import type { OAuthServer } from "./oauth-server.js";
import type { YouTubeChatFake } from "./youtube-chat.js";

type ListResponse = youtube_v3.Schema$LiveChatMessageListResponse;
type StreamRequest = { liveChatId?: string; pageToken?: string; part?: string[] };

/** Faults a StreamList call can meet, in order, one per call. */
export type StreamFault = "unimplemented" | "unavailable" | "quotaExceeded" | "liveChatDisabled" | "liveChatNotFound" | "forbidden" | "unauthenticated";

/** The REST spelling of a message type as the proto's enum name: textMessageEvent → TEXT_MESSAGE_EVENT. */
const protoTypeName = (rest: string) => rest.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

export interface YouTubeChatStreamFake {
  url: string;
  /** Every StreamList call: when, with which page token, and how it ended ("end", or the status code). */
  calls: Array<{ at: number; pageToken: string | null; authorization: string | null; ended?: string }>;
  faults: StreamFault[];
  /** How long YouTube keeps a stream open before ending it (about 10 s for the real one). */
  lifetimeMs: number;
  close(): Promise<void>;
}

/**
 * liveChatMessages.streamList, served like YouTube serves it: a server-streaming gRPC call
 * (youtube.api.v3.V3DataLiveChatMessageService/StreamList, Google's stream_list.proto) that first
 * sends the chat from the page token on, then pushes each new message as it is written, and ends the
 * stream on its own after `lifetimeMs`; the OAuth token comes as `authorization: Bearer` metadata.
 * Pages use the REST page tokens of the chat fake (positions), so list and stream resume alike.
 * Plain text on 127.0.0.1 (the real one is TLS on youtube.googleapis.com:443).
 */
export async function startYouTubeChatStream(chat: YouTubeChatFake, oauth: OAuthServer, options: { lifetimeMs?: number } = {}): Promise<YouTubeChatStreamFake> {
  const pkg = loadPackageDefinition(loadSync(STREAM_LIST_PROTO, PROTO_OPTIONS)) as unknown as {
    youtube: { api: { v3: { V3DataLiveChatMessageService: { service: ServiceDefinition } } } };
  };
  const server = new Server();
  const fake: YouTubeChatStreamFake = { url: "", calls: [], faults: [], lifetimeMs: options.lifetimeMs ?? 300, close: async () => {} };
  const open = new Set<ServerWritableStream<StreamRequest, unknown>>();

  const fail = (call: ServerWritableStream<StreamRequest, unknown>, code: status, reason: string, message: string) => {
    fake.calls.at(-1)!.ended = status[code];
    call.emit("error", { code, details: `${message} (${reason})` });
  };

  server.addService(pkg.youtube.api.v3.V3DataLiveChatMessageService.service, {
    StreamList(call: ServerWritableStream<StreamRequest, unknown>) {
      const req = call.request;
      const authorization = (call.metadata.get("authorization")[0] as string | undefined) ?? null;
      fake.calls.push({ at: Date.now(), pageToken: req.pageToken || null, authorization });
      const fault = fake.faults.shift();
      if (fault === "unimplemented") return fail(call, status.UNIMPLEMENTED, "notImplemented", "Method not found: youtube.api.v3.V3DataLiveChatMessageService/StreamList");
      if (fault === "unavailable") return fail(call, status.UNAVAILABLE, "backendError", "The service is currently unavailable.");
      if (fault === "quotaExceeded") return fail(call, status.RESOURCE_EXHAUSTED, "quotaExceeded", "The request cannot be completed because you have exceeded your quota.");
      if (fault === "liveChatDisabled") return fail(call, status.FAILED_PRECONDITION, "liveChatDisabled", "The live chat is not enabled for the specified broadcast.");
      if (fault === "forbidden") return fail(call, status.PERMISSION_DENIED, "forbidden", "You do not have the permissions required to retrieve messages for the specified live chat.");
      if (fault === "liveChatNotFound") return fail(call, status.NOT_FOUND, "liveChatNotFound", "The live chat that you are trying to retrieve cannot be found.");
      const token = authorization?.replace(/^Bearer /, "") ?? "";
      if (fault === "unauthenticated" || !oauth.authenticate(token).ok) return fail(call, status.UNAUTHENTICATED, "authError", "Request had invalid authentication credentials.");
      const chatId = req.liveChatId ?? "";
      if (!req.part?.includes("snippet")) return fail(call, status.INVALID_ARGUMENT, "required", "Required parameter: part");
      if (!chat.chats.has(chatId)) return fail(call, status.NOT_FOUND, "liveChatNotFound", "The live chat that you are trying to retrieve cannot be found.");
      if (chat.ended.has(chatId)) return fail(call, status.FAILED_PRECONDITION, "liveChatEnded", "The specified live chat is no longer live.");
      const messages = chat.chats.get(chatId)!;
      let at = req.pageToken ? Number(Buffer.from(req.pageToken, "base64url").toString().replace(/^pos:/, "")) : 0;
      if (!Number.isInteger(at) || at < 0 || at > messages.length) return fail(call, status.INVALID_ARGUMENT, "pageTokenInvalid", "The page token is invalid.");

      const push = () => {
        const items = messages.slice(at);
        at += items.length;
        const page: ListResponse = {
          kind: "youtube#liveChatMessageListResponse",
          nextPageToken: Buffer.from(`pos:${at}`).toString("base64url"),
          pageInfo: { totalResults: items.length, resultsPerPage: items.length },
          items: items.map((m) => ({ ...m, snippet: { ...m.snippet, type: protoTypeName(m.snippet?.type ?? "") } })),
        };
        call.write(page);
      };
      const onWrite = (id: string) => id === chatId && push();
      const stop = () => {
        clearTimeout(lifetime);
        chat.written.delete(onWrite);
        open.delete(call);
      };
      const lifetime = setTimeout(() => {
        stop();
        fake.calls.at(-1)!.ended ??= "end";
        call.end();
      }, fake.lifetimeMs);
      open.add(call);
      chat.written.add(onWrite);
      call.on("cancelled", stop);
      push();
    },
  });

  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  fake.url = `http://127.0.0.1:${port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      for (const call of open) call.end();
      server.tryShutdown(() => resolve());
    });
  return fake;
}
