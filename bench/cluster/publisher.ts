/**
 * A publisher that reconnects as OBS's automatic reconnect does: the looped clip (`-re -stream_loop -1 -c copy`),
 * started again `retryMs` after each exit until it is stopped. Each life is a fresh ffmpeg (a new RTMP connection
 * from the clip's start), so media produced while disconnected is never sent: it is lost, as from a live encoder.
 */
import { startPublisher, type Tracked } from "../lib/ffmpeg.js";
import { sleep, stop } from "../lib/proc.js";

export class ReconnectingPublisher {
  private current: Tracked | null = null;
  private stopped = false;
  /** ffmpeg processes started so far. */
  lives = 0;

  constructor(
    private readonly clip: string,
    private url: string,
    private readonly retryMs: number,
  ) {}

  start(): void {
    this.stopped = false;
    this.launch();
  }

  /** Drops the current connection at once (SIGKILL, as a crashed link would) and connects again right away to `url`. */
  async reconnect(url = this.url): Promise<void> {
    this.url = url;
    const old = this.current;
    this.current = null;
    if (old) {
      // Its exit no longer relaunches anything: launch() only retries for the current life.
      old.proc.child.kill("SIGKILL");
      await old.proc.exited;
    }
    this.launch();
  }

  /** Stops for good, gracefully (ffmpeg ends the stream, so Prism ends it and closes the outputs). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.current) await stop(this.current.proc, 5_000);
  }

  private launch(): void {
    if (this.stopped) return;
    const life = startPublisher(this.clip, this.url);
    this.current = life;
    this.lives += 1;
    life.proc.child.once("exit", () => {
      if (this.current !== life || this.stopped) return;
      void sleep(this.retryMs).then(() => {
        if (this.current === life) this.launch();
      });
    });
  }
}
