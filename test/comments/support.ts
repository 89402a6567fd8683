import type { Prism } from "../../src/service.js";
import type { AccountApi } from "../../src/destinations/account-types.js";
import { PlatformRefused } from "../../src/destinations/account-types.js";
import type { ChatReaderState, ChatSink, ChatSupport, IncomingChatMessage } from "../../src/destinations/chat-types.js";
import type { ChatSource, ChatSources } from "../../src/comments/index.js";
import { TEST_TOKEN, startTestPrism, type ApiResponse } from "../support/prism.js";

/**
 * An in-process platform chat: what a platform reader would hand the feed, driven by the test. It
 * records what Prism asks of the platform (send, delete, ban) and can refuse to send.
 */
export class TestChat implements ChatSupport {
  private readonly sinks = new Set<ChatSink>();
  readonly sent: string[] = [];
  readonly deleted: string[] = [];
  readonly banned: string[] = [];
  reads = 0;
  refuseSend: string | null = null;

  constructor(readonly platform: string) {}

  async read(_api: AccountApi, _stream: unknown, sink: ChatSink, signal: AbortSignal): Promise<void> {
    this.reads++;
    this.sinks.add(sink);
    sink.state("live");
    await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
    this.sinks.delete(sink);
  }

  get reading(): boolean {
    return this.sinks.size > 0;
  }

  push(...messages: IncomingChatMessage[]): void {
    for (const sink of this.sinks) sink.messages(messages);
  }

  /** What the reader says about itself, as a real one would (e.g. "connecting" while it waits for the platform). */
  say(state: ChatReaderState, detail?: string): void {
    for (const sink of this.sinks) sink.state(state, detail);
  }

  caughtUp(until: Date | null): void {
    for (const sink of this.sinks) sink.caughtUp(until);
  }

  async send(_api: AccountApi, _stream: unknown, text: string): Promise<void> {
    if (this.refuseSend) throw new PlatformRefused(this.refuseSend);
    this.sent.push(text);
  }

  async deleteMessage(_api: AccountApi, _stream: unknown, id: string): Promise<void> {
    this.deleted.push(id);
  }

  async banAuthor(_api: AccountApi, _stream: unknown, authorId: string): Promise<void> {
    this.banned.push(authorId);
  }
}

/** A platform without write access: X's reply search, say. */
export class ReadOnlyChat implements ChatSupport {
  constructor(private readonly inner: TestChat) {}
  read(...args: Parameters<ChatSupport["read"]>) {
    return this.inner.read(...args);
  }
}

const api: AccountApi = {
  account: { id: "acct", platformUserId: "u1", displayName: "Streamer" },
  fetch: () => Promise.reject(new Error("the test chat makes no requests")),
  data: () => ({}),
  saveData: () => {},
};

/** Chat sources for every stream: one per test platform. */
export function sourcesOf(chats: Record<string, ChatSupport>): ChatSources {
  return {
    forStream: (streamId): ChatSource[] =>
      Object.entries(chats).map(([platform, chat]) => ({
        platform,
        destinationId: `dest-${platform}`,
        chat,
        api,
        stream: { streamId, destinationId: `dest-${platform}`, title: "Test", description: null },
      })),
  };
}

let counter = 0;
/** A message as a platform reader would hand it over. */
export function message(text: string, sentAt: Date, author = "viewer", id = `m${++counter}`): IncomingChatMessage {
  return { platformMessageId: id, author: { id: `id-${author}`, name: author, badges: [] }, text, sentAt };
}

export interface ChatPrism {
  prism: Prism;
  dataDir: string;
  base: string;
  api<T = any>(method: string, path: string, body?: unknown, token?: string | null): Promise<ApiResponse<T>>;
  stop(): Promise<void>;
}

/** The real service on loopback ports (startTestPrism, logging at warn), its chat sources being the given test platforms. */
export async function startChatPrism(chats: Record<string, ChatSupport>, options: { dataDir?: string; reorderWindowMs?: number } = {}): Promise<ChatPrism> {
  const t = await startTestPrism({
    ...(options.dataDir && { dataDir: options.dataDir }),
    env: { PRISM_LOG_LEVEL: "warn" },
    chat: { sources: sourcesOf(chats), reorderWindowMs: options.reorderWindowMs ?? 200 },
  });
  return {
    prism: t.prism,
    dataDir: t.dataDir,
    base: `http://127.0.0.1:${t.prism.httpPort}`,
    api: (method, path, body, token = TEST_TOKEN) => t.api(method, path, body, { token }),
    stop: () => t.stop(),
  };
}

/** Announces a stream as live the way the relay does, so the feed opens its readers. */
export function goLive(prism: Prism, streamId: string): void {
  prism.bus.emit("stream.started", { streamId, sessionId: "session-1", name: "Test", at: new Date().toISOString() });
}

/** A real HTTP client reading an SSE response: parsed events as they arrive. */
export async function openSse(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: "text/event-stream", ...headers }, signal: controller.signal });
  const events: Array<{ id?: string; event: string; data: any }> = [];
  const done = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.indexOf("\n\n")) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) continue;
            const i = line.indexOf(":");
            if (i > 0) fields[line.slice(0, i)] = line.slice(i + 1).replace(/^ /, "");
          }
          if (fields.data !== undefined) events.push({ ...(fields.id ? { id: fields.id } : {}), event: fields.event ?? "message", data: JSON.parse(fields.data) });
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    status: res.status,
    headers: res.headers,
    events,
    comments: () => events.filter((e) => e.event === "comment").map((e) => e.data),
    close: async () => {
      controller.abort();
      await done;
    },
  };
}
