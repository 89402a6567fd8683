import type { Msg, Subscription } from "@nats-io/transport-node";
import type { EventBus, EventName, PrismEvents } from "../bus.js";
import type { Logger } from "../log.js";
import { decodeJson, encodeJson } from "./forward.js";
import type { NatsLink } from "./nats.js";
import { anyEventSubject, eventSubject } from "./subjects.js";

/**
 * The bus events every node must hear: configuration (the owner's relay reconciles with it), the stream's
 * timeline and its destinations' states (dashboards and SSE on any node), chat and viewer counts. The rest
 * (webhook-only news such as recording.* or event.*) stays where it happened: its subscribers run there.
 */
export const BRIDGED_EVENTS = [
  "config.stream",
  "config.destinations",
  "stream.started",
  "stream.ended",
  "stream.ingest_lost",
  "stream.ingest_resumed",
  "stream.ingest_switched",
  "destination.state",
  "comment.received",
  "audience.viewers",
] as const satisfies readonly EventName[];

type BridgedEvent = (typeof BRIDGED_EVENTS)[number];
// A new config.*, stream.* or audience.* event fails to compile until it is added above (or this rule changes).
type MustBridge = Extract<EventName, `config.${string}` | `stream.${string}` | `audience.${string}`>;
const everyFamilyIsBridged: [Exclude<MustBridge, BridgedEvent>] extends [never] ? true : Exclude<MustBridge, BridgedEvent> = true;
void everyFamilyIsBridged;

const bridged = new Set<string>(BRIDGED_EVENTS);

/** What travels on `prism.events.<event>`: the payload as the bus carries it, and the node that emitted it. */
interface Envelope {
  from: string;
  payload: unknown;
}

export interface BusBridgeOptions {
  /** Events waiting to go out while NATS is slow; more are dropped and counted (default 1000). */
  maxQueued?: number;
  /** Events published before waiting for the server to have them all (default 100). */
  batch?: number;
  log?: Pick<Logger, "warn"> | undefined;
}

/** What the bridge did since it started, for /metrics and for the tests. */
export interface BusBridgeCounters {
  /** Handed to the NATS client (a connection lost right then may still lose the last batch). */
  published: number;
  received: number;
  /** Not sent: NATS was down (other nodes hear nothing then; they read the state back from the store). */
  droppedNatsDown: number;
  /** Not sent: more than maxQueued events were waiting for a slow NATS. */
  droppedQueueFull: number;
  /** Not sent: larger than NATS carries. */
  droppedTooLarge: number;
  /** Received but not re-emitted: not JSON, an event this node does not bridge (another version), no payload. */
  rejected: number;
}

/**
 * Carries this node's bus events (BRIDGED_EVENTS) to every other node's bus, where they are re-emitted as remote
 * (`bus.emitRemote`): subscribers with `localOnly` (the webhook outbox, recorders, counters) do not hear them, so
 * each event is acted on once cluster-wide. The bridge itself listens localOnly and drops its own messages
 * coming back from NATS, so nothing is echoed or loops.
 *
 * Bounded: events wait in a queue of at most `maxQueued` while the server catches up (a batch is published,
 * then the bridge waits for the server's PONG before the next); past that, and at once while NATS is down,
 * events are dropped and counted rather than buffered without limit in the client.
 */
export class BusBridge {
  readonly counters: BusBridgeCounters = { published: 0, received: 0, droppedNatsDown: 0, droppedQueueFull: 0, droppedTooLarge: 0, rejected: 0 };
  private readonly queue: Array<{ subject: string; bytes: Uint8Array }> = [];
  private pumping = false;
  /** Set while events are being dropped, so a long outage logs one line, not one per event. */
  private dropping = false;
  private readonly stops: Array<() => void> = [];
  private readonly maxQueued: number;
  private readonly batch: number;

  constructor(
    private readonly link: NatsLink,
    readonly nodeId: string,
    private readonly bus: EventBus,
    private readonly options: BusBridgeOptions = {},
  ) {
    this.maxQueued = options.maxQueued ?? 1000;
    this.batch = options.batch ?? 100;
    for (const event of BRIDGED_EVENTS) this.stops.push(bus.on(event, (payload) => this.send(event, payload), { localOnly: true }));
    const { subject, eventOf } = anyEventSubject();
    const sub: Subscription = link.nc.subscribe(subject, { callback: (_err, msg) => this.receive(msg, eventOf(msg.subject)) });
    this.stops.push(() => sub.unsubscribe());
    // A batch whose flush failed without the link going down (a blip) leaves the rest queued: go on once it is up.
    this.stops.push(link.onChange((up) => (up ? this.resume() : this.dropQueued())));
  }

  /** Stops listening on both sides; what is still queued is not sent. */
  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
    this.queue.length = 0;
  }

  private send<E extends BridgedEvent>(event: E, payload: PrismEvents[E]): void {
    if (!this.link.isUp()) return this.dropped("droppedNatsDown", event);
    if (this.queue.length >= this.maxQueued) return this.dropped("droppedQueueFull", event);
    let bytes: Uint8Array;
    try {
      bytes = encodeJson({ from: this.nodeId, payload } satisfies Envelope, this.link.maxPayload(), `The ${event} event`);
    } catch {
      return this.dropped("droppedTooLarge", event);
    }
    this.queue.push({ subject: eventSubject(event), bytes });
    this.resume();
  }

  private resume(): void {
    if (this.queue.length > 0 && !this.pumping) void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.queue.length > 0 && this.link.isUp()) {
        const sending = this.queue.splice(0, this.batch);
        for (const { subject, bytes } of sending) this.link.nc.publish(subject, bytes);
        this.counters.published += sending.length;
        try {
          await this.link.nc.flush();
        } catch {
          // The connection dropped with this batch in the client's buffer: it may or may not have gone out.
          break;
        }
        this.dropping = false;
      }
    } finally {
      this.pumping = false;
    }
  }

  private dropQueued(): void {
    const n = this.queue.length;
    if (n === 0) return;
    this.queue.length = 0;
    this.counters.droppedNatsDown += n;
    this.warnDropping("NATS went down");
  }

  private dropped(reason: "droppedNatsDown" | "droppedQueueFull" | "droppedTooLarge", event: string): void {
    this.counters[reason] += 1;
    this.warnDropping(reason === "droppedNatsDown" ? "NATS is down" : reason === "droppedQueueFull" ? `more than ${this.maxQueued} events are waiting for NATS` : `a ${event} event is larger than NATS carries`);
  }

  private warnDropping(why: string): void {
    if (this.dropping) return;
    this.dropping = true;
    this.options.log?.warn({ why }, "bus events are not reaching the other nodes (dropped and counted until NATS takes them again)");
  }

  private receive(msg: Msg, event: string): void {
    const envelope = decodeJson(msg.data) as Partial<Envelope> | null | undefined;
    if (!envelope || typeof envelope !== "object" || typeof envelope.from !== "string") return void (this.counters.rejected += 1);
    if (envelope.from === this.nodeId) return; // NATS hands a connection its own messages too
    if (!bridged.has(event) || !envelope.payload || typeof envelope.payload !== "object") return void (this.counters.rejected += 1);
    this.counters.received += 1;
    this.bus.emitRemote(event as BridgedEvent, envelope.payload as PrismEvents[BridgedEvent], envelope.from);
  }
}
