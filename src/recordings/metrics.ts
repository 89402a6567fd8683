import { Counter, Gauge, type Registry } from "prom-client";
import type { LiveSession } from "./live-recorder.js";

export interface RecordingMetrics {
  written(session: LiveSession, bytes: number): void;
  clipMade(kind: "copy" | "precise" | "live"): void;
}

/** Recording state per live stream, bytes written, the recordings disk's free space, clips made. */
export function recordingMetrics(registry: Registry, source: { sessions(): LiveSession[]; freeBytes(): number | null }): RecordingMetrics {
  new Gauge({
    name: "prism_recording_state",
    help: "1 for the state each live stream's recording is in (recording, paused), 0 for the other",
    labelNames: ["stream", "stream_id", "state"],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of source.sessions()) {
        const paused = s.writer.isPaused;
        this.set({ stream: s.name, stream_id: s.streamId, state: "recording" }, paused ? 0 : 1);
        this.set({ stream: s.name, stream_id: s.streamId, state: "paused" }, paused ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: "prism_recordings_disk_free_bytes",
    help: "Free space on the disk recordings are written to, as last checked",
    registers: [registry],
    collect() {
      const free = source.freeBytes();
      if (free !== null) this.set(free);
    },
  });
  const bytes = new Counter({ name: "prism_recording_bytes_written_total", help: "Bytes of recordings written to disk", labelNames: ["stream", "stream_id"], registers: [registry] });
  const clips = new Counter({ name: "prism_clips_made_total", help: "Clips made, by kind: copy (from a keyframe), precise (re-encoded), live (the last N seconds)", labelNames: ["kind"], registers: [registry] });
  return {
    written: (s, n) => bytes.inc({ stream: s.name, stream_id: s.streamId }, n),
    clipMade: (kind) => clips.inc({ kind }),
  };
}
