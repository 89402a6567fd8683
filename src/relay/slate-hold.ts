import type { Logger } from "pino";
import type { StreamHub } from "./hub.js";
import { loadSlateClip, type SlateClip } from "./slate.js";

/** What happens when a publisher drops off (not when it stops on purpose). */
export interface SlateSettings {
  enabled: boolean;
  /** After this long without the publisher, the stream ends and destinations close. */
  maxSeconds: number;
  /** Path of the still image to show. */
  image: string;
}

/** How often to try to encode the slate until the stream's format is known. */
const PREPARE_INTERVAL_MS = 1_000;

/**
 * One live stream's slate: encoded in the stream's format ahead of need (so a drop is covered at
 * once), shown by the hub while the publisher is away, and ended by a deadline.
 */
export class SlateHold {
  private clip: Promise<SlateClip> | null = null;
  private ready: SlateClip | null = null;
  private preparing: NodeJS.Timeout | null = null;
  private deadline: NodeJS.Timeout | null = null;
  private until: number | null = null;

  constructor(
    private settings: SlateSettings,
    private readonly hub: StreamHub,
    private readonly log: Logger,
    /** The publisher did not come back in time. */
    private readonly expired: (reason: string) => void,
  ) {
    if (settings.enabled) this.prepare();
  }

  get enabled(): boolean {
    return this.settings.enabled;
  }

  /**
   * New settings while live. A hold under way goes on (turning the slate off does not cut a stream it is covering),
   * its deadline moved to the new maxSeconds from when it began; a new image or a slate turned on is prepared
   * for the next drop.
   */
  update(next: SlateSettings): void {
    const previous = this.settings;
    this.settings = next;
    if (this.until !== null && next.maxSeconds !== previous.maxSeconds) {
      const since = this.until - previous.maxSeconds * 1000;
      if (this.deadline) clearTimeout(this.deadline);
      this.until = since + next.maxSeconds * 1000;
      this.deadline = setTimeout(() => this.expired(`publisher did not come back within ${next.maxSeconds} s`), Math.max(0, this.until - Date.now()));
    }
    if (this.until !== null) return; // the clip on air stays until the publisher is back (release prepares the next)
    if (!next.enabled) {
      if (this.preparing) clearInterval(this.preparing);
      this.preparing = null;
      this.clip = null;
      this.ready = null;
      return;
    }
    if (!previous.enabled || next.image !== previous.image) {
      this.clip = null;
      this.ready = null;
      this.prepare();
    }
  }

  /** Whether the slate is holding the destinations for a lost publisher. */
  get holding(): boolean {
    return this.until !== null;
  }

  /** While the slate holds the destinations: when it gives up. */
  get slateUntil(): string | null {
    return this.until === null ? null : new Date(this.until).toISOString();
  }

  /** The publisher dropped or stalled: show the slate (now, or as soon as it is encoded) until it returns or time runs out. */
  hold(): string {
    const ms = this.settings.maxSeconds * 1000;
    this.until = Date.now() + ms;
    this.deadline = setTimeout(() => this.expired(`publisher did not come back within ${this.settings.maxSeconds} s`), ms);
    this.hub.showSlate(this.ready);
    return this.slateUntil!;
  }

  /**
   * Switching from a lost encoder to the other one: the slate covers the wait for its keyframe (no
   * deadline: the other encoder is publishing). Without a ready slate the destinations just wait.
   */
  bridge(): void {
    if (this.settings.enabled && this.ready) this.hub.showSlate(this.ready);
  }

  /**
   * The publisher is back (the hub switches to it at its keyframe). Its format may differ from the
   * last one's, so the clip is prepared again.
   */
  release(): void {
    this.clearDeadline();
    this.clip = null;
    this.ready = null;
    this.prepare();
  }

  close(): void {
    this.clearDeadline();
    if (this.preparing) clearInterval(this.preparing);
    this.preparing = null;
  }

  private prepare(): void {
    if (this.preparing) clearInterval(this.preparing);
    this.preparing = setInterval(() => {
      const format = this.hub.slateFormat();
      const source = this.hub.currentSource;
      if (!format || (source !== "publisher" && source !== "backup")) return;
      clearInterval(this.preparing!);
      this.preparing = null;
      const clip = loadSlateClip(this.settings.image, format);
      this.clip = clip;
      clip.then(
        (ready) => {
          if (this.clip !== clip) return;
          this.ready = ready;
          this.log.debug({ format }, "slate ready");
          this.hub.slateReady(ready);
        },
        (err: unknown) => this.log.warn({ err: (err as Error).message }, "could not prepare the slate; a dropped publisher will end the stream"),
      );
    }, PREPARE_INTERVAL_MS);
  }

  private clearDeadline(): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = null;
    this.until = null;
  }
}
