import { EventEmitter } from "node:events";
import { startRtmpReceiver, type RtmpReceiver } from "./receiver.js";

/** One publish a slot received: its recording, when it connected, and how it ended. */
export interface ReceivedSession {
  receiver: RtmpReceiver;
  /** ms since epoch when ffmpeg saw the publisher's streams ("Input #0"); undefined until then. */
  connectedAt?: number;
  /** Resolves when that publish ended (the publisher went away or the slot closed). */
  ended: Promise<void>;
}

/**
 * A platform's ingest that is always there: one RTMP address (port, app, key) with a real ffmpeg receiver behind
 * it, started again on the same port each time a publish ends (an ffmpeg receiver serves one publish only), so a
 * relay that reconnects (a destination enabled again, a stream taken over by another node) finds it listening.
 * Each publish is recorded in its own file, `<name>-<n>.flv`.
 */
export class ReceiverSlot {
  readonly sessions: ReceivedSession[] = [];
  private readonly events = new EventEmitter();
  private closed = false;
  private failure: string | undefined;
  private restarting: Promise<void> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    private readonly name: string,
    readonly port: number,
    readonly key: string,
  ) {}

  static async open(dir: string, name: string): Promise<ReceiverSlot> {
    const first = await startRtmpReceiver({ dir, name: `${name}-1` });
    const slot = new ReceiverSlot(dir, name, first.port, first.key);
    slot.adopt(first);
    return slot;
  }

  get url(): string {
    return `rtmp://127.0.0.1:${this.port}/live`;
  }

  /** The session now listening or receiving. */
  get current(): ReceivedSession {
    return this.sessions.at(-1)!;
  }

  /** Resolves with the first session that connected at or after `since` (ms since epoch). */
  connectedSince(since: number, timeoutMs: number): Promise<ReceivedSession> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.sessions.find((s) => s.connectedAt !== undefined && s.connectedAt >= since);
        if (!found) return false;
        cleanup();
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`receiver ${this.name}: no publish connected within ${timeoutMs} ms (sessions: ${this.sessions.map((s) => s.connectedAt ?? "waiting").join(", ")})${this.failure ? `; restarting it failed: ${this.failure}` : ""}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.events.off("connected", check);
      };
      if (!check()) this.events.on("connected", check);
    });
  }

  /** Stops listening: the current receiver is ended (its recording finalized) and none follows. */
  async close(): Promise<void> {
    this.closed = true;
    await this.current.receiver.stop();
  }

  /**
   * Resolves once the receiver that follows the last ended publish listens. Await it before making Prism connect
   * again: ffmpeg stops listening at the first connection, so one that comes before the listening check is seen
   * passes unnoticed and the check fails.
   */
  ready(): Promise<void> {
    return this.restarting;
  }

  private adopt(receiver: RtmpReceiver): void {
    // Set before `ended` resolves, so whoever awaits the end can await ready() next.
    const ended = receiver.exited.then(() => {
      if (!this.closed) this.restarting = this.restart();
    });
    const session: ReceivedSession = { receiver, ended };
    this.sessions.push(session);
    receiver.connected.then(
      () => {
        session.connectedAt = Date.now();
        this.events.emit("connected");
      },
      () => undefined,
    );
  }

  private async restart(): Promise<void> {
    try {
      const next = await startRtmpReceiver({ dir: this.dir, name: `${this.name}-${this.sessions.length + 1}`, port: this.port, key: this.key });
      if (this.closed) return void (await next.stop());
      this.adopt(next);
    } catch (err) {
      // Seen in connectedSince's timeout message: the address could not be served again.
      this.failure = (err as Error).message;
    }
  }
}
