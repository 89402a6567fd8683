import { fileURLToPath } from "node:url";
import type { ClientReadableStream, Metadata, ServiceError, credentials } from "@grpc/grpc-js";
import { lazyModule } from "../../core/lazy-module.js";

/** The gRPC stack is ~12 MiB once loaded: only a relay reading YouTube chat over StreamList needs it. */
const grpc = lazyModule<typeof import("@grpc/grpc-js")>(import.meta.url, "@grpc/grpc-js");
const protoLoader = lazyModule<typeof import("@grpc/proto-loader")>(import.meta.url, "@grpc/proto-loader");

/** gRPC status codes Prism tells apart (grpc-js's `status` enum; the numbers are gRPC's, fixed by its spec). */
export const grpcStatus = { CANCELLED: 1, NOT_FOUND: 5, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, UNIMPLEMENTED: 12, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

/**
 * Google's stream_list.proto (the part Prism reads), vendored next to this file; found through the
 * repository root so the built dist/destinations/youtube/ reads the same file (as src/web/routes.ts does).
 */
export const STREAM_LIST_PROTO = fileURLToPath(new URL("../../../src/destinations/youtube/stream_list.proto", import.meta.url));

/**
 * Decoded as the REST API spells it (camelCase, enum names, int64 as strings), so one page type
 * serves both liveChatMessages.list and streamList.
 */
export const PROTO_OPTIONS = { keepCase: false, enums: String, longs: String, defaults: false, oneofs: false } as const;

/** One page pushed by StreamList, with the proto's enum names as the decoder gives them. */
export interface StreamListPage {
  items?: Array<{
    id?: string;
    snippet?: {
      type?: string;
      publishedAt?: string;
      hasDisplayContent?: boolean;
      displayMessage?: string;
      textMessageDetails?: { messageText?: string };
      superChatDetails?: { amountMicros?: string; currency?: string; userComment?: string };
      superStickerDetails?: { amountMicros?: string; currency?: string; superStickerMetadata?: { altText?: string } };
      memberMilestoneChatDetails?: { userComment?: string };
    };
    authorDetails?: {
      channelId?: string;
      displayName?: string;
      profileImageUrl?: string;
      isChatOwner?: boolean;
      isChatModerator?: boolean;
      isChatSponsor?: boolean;
      isVerified?: boolean;
    };
  }>;
  nextPageToken?: string;
  offlineAt?: string;
}

export interface StreamListRequest {
  liveChatId: string;
  part: string[];
  pageToken?: string;
  maxResults?: number;
}

type StreamListClient = {
  StreamList(request: StreamListRequest, metadata: Metadata): ClientReadableStream<StreamListPage>;
  close(): void;
};

/** A client of Google's V3DataLiveChatMessageService at `address` (plain text for tests, else TLS). */
function streamListClient(address: string, insecure: boolean): StreamListClient {
  const { credentials, loadPackageDefinition } = grpc();
  const definition = loadPackageDefinition(protoLoader().loadSync(STREAM_LIST_PROTO, PROTO_OPTIONS)) as unknown as {
    youtube: { api: { v3: { V3DataLiveChatMessageService: new (address: string, creds: ReturnType<typeof credentials.createSsl>) => StreamListClient } } };
  };
  return new definition.youtube.api.v3.V3DataLiveChatMessageService(address, insecure ? credentials.createInsecure() : credentials.createSsl());
}

/**
 * liveChatMessages.streamList over gRPC: `youtube.googleapis.com:443` with TLS, or a plain-text
 * endpoint (`http://host:port`, tests) when the configured URL says so.
 */
export function streamListConnection(url: string) {
  const target = new URL(url);
  const insecure = target.protocol === "http:";
  const address = `${target.hostname}:${target.port || (insecure ? "80" : "443")}`;
  let client: StreamListClient | undefined;
  // gRPC and the proto load on the first stream opened, not when a YouTube account is set up at start.
  const connect = () => (client ??= streamListClient(address, insecure));

  return {
    /**
     * Opens one stream and hands each page to `onPage` until the server ends it (resolves) or it
     * fails (rejects with the gRPC ServiceError); aborting `signal` cancels it and resolves.
     */
    open(accessToken: string, request: StreamListRequest, onPage: (page: StreamListPage) => void, signal: AbortSignal): Promise<void> {
      const metadata = new (grpc().Metadata)();
      metadata.set("authorization", `Bearer ${accessToken}`);
      const call = connect().StreamList(request, metadata);
      return new Promise((resolve, reject) => {
        const cancel = () => call.cancel();
        signal.addEventListener("abort", cancel, { once: true });
        const settle = (err?: ServiceError) => {
          signal.removeEventListener("abort", cancel);
          if (err && !(err.code === grpcStatus.CANCELLED && signal.aborted)) reject(err);
          else resolve();
        };
        call.on("data", onPage);
        call.on("error", settle);
        call.on("end", () => settle());
      });
    },
    close() {
      client?.close();
      client = undefined;
    },
  };
}

/** The proto's enum name of a message type as the REST API spells it: TEXT_MESSAGE_EVENT → textMessageEvent. */
export const restTypeName = (protoName: string) => protoName.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

export type StreamListConnection = ReturnType<typeof streamListConnection>;
export type { ServiceError };
