import type { AccountApi, StreamInfo } from "../../src/destinations/account-types.js";
import type { ChatReaderState, ChatSink, IncomingChatMessage } from "../../src/destinations/chat-types.js";
import { pino } from "pino";
import type { Logger } from "../../src/log.js";
import type { FakeUser, OAuthServer } from "../fakes/oauth-server.js";

/** A linked account's API the way the token keeper builds it: every request signed with the account's token. */
export function apiFor(oauth: OAuthServer, user: FakeUser, scopes: string[] = []): AccountApi {
  const { access_token } = oauth.grant(user, scopes);
  let data: Record<string, unknown> = {};
  return {
    account: { id: "acc-1", platformUserId: user.id, displayName: user.displayName },
    fetch: (url, init = {}) => {
      const { scheme = "Bearer", headers, ...rest } = init;
      return fetch(url, { ...rest, headers: { ...(headers as Record<string, string> | undefined), Authorization: `${scheme} ${access_token}` } });
    },
    accessToken: async () => access_token,
    data: () => data,
    saveData: (d) => void (data = d),
  };
}

export const STREAM: StreamInfo = { streamId: "str-1", destinationId: "dst-1", title: "Speedrun night", description: null };

const quiet: Logger = pino({ level: "silent" });

/** A sink that keeps everything a reader hands over. */
export class RecordingSink implements ChatSink {
  readonly received: IncomingChatMessage[] = [];
  readonly states: Array<{ state: ChatReaderState; detail?: string }> = [];
  /** Each time the reader said it had handed over everything sent before then. */
  readonly caughtUpTo: Date[] = [];
  /** Times the reader said it has nothing to read (the merger should not wait for it). */
  nothingToRead = 0;
  readonly log = quiet;
  caughtUp(until: Date | null) {
    if (until) this.caughtUpTo.push(until);
    else this.nothingToRead++;
  }
  messages(messages: IncomingChatMessage[]) {
    this.received.push(...messages);
  }
  state(state: ChatReaderState, detail?: string) {
    this.states.push({ state, ...(detail !== undefined && { detail }) });
  }
  get texts() {
    return this.received.map((m) => m.text);
  }
  /** The states in order, without repeats. */
  get stateNames() {
    return this.states.map((s) => s.state).filter((s, i, all) => s !== all[i - 1]);
  }
}

/** Polls `check` until it holds, or fails with what it last saw. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
