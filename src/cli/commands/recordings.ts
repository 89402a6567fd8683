import type { Command } from "commander";
import type { z } from "@hono/zod-openapi";
import type { Stream } from "../api-types.js";
import type { ClipSchema, RecordingSchema } from "../../api/recording-schemas.js";
import { formatBytes, formatDuration, table } from "../format.js";
import { findStream } from "../lookup.js";
import type { CommandContext } from "../context.js";

type Recording = z.infer<typeof RecordingSchema>;
type Clip = z.infer<typeof ClipSchema>;

/** `prism recordings …`: turn recording on or off, list a stream's recordings, clip that, drop a marker. */
export function recordingCommands(program: Command, context: CommandContext): void {
  const recordings = program.command("recordings").description("Record streams' broadcasts; list recordings, clip the live one, drop markers");

  recordings
    .command("on <stream>")
    .description("Record every broadcast session of a stream (id or name) from its next one on")
    .option("--no-slate", "leave the slate out of the recording (the publisher's return follows straight on)")
    .option("--keep-days <days>", "delete this stream's recordings older than this", Number)
    .option("--max-gb <gb>", "keep this stream's recordings under this many GB, oldest deleted first", Number)
    .action(async (ref: string, opts: { slate: boolean; keepDays?: number; maxGb?: number }, cmd: Command) => {
      const { api, out } = context(cmd);
      const target = await findStream(api, ref);
      const retention = opts.keepDays !== undefined || opts.maxGb !== undefined ? { ...(opts.keepDays !== undefined && { days: opts.keepDays }), ...(opts.maxGb !== undefined && { maxGb: opts.maxGb }) } : undefined;
      const updated = await api.request<Stream>("PATCH", `/streams/${target.id}`, { recording: { enabled: true, includeSlate: opts.slate, ...(retention && { retention }) } });
      if (out.json) return out.data(updated.recording);
      out.print(`Recording is on for "${updated.name}" (${updated.recording.includeSlate ? "with" : "without"} the slate), from its next broadcast.`);
    });

  recordings
    .command("off <stream>")
    .description("Stop recording a stream's broadcasts (from its next one; existing recordings stay)")
    .action(async (ref: string, _opts, cmd: Command) => {
      const { api, out } = context(cmd);
      const target = await findStream(api, ref);
      const updated = await api.request<Stream>("PATCH", `/streams/${target.id}`, { recording: { enabled: false } });
      if (out.json) return out.data(updated.recording);
      out.print(`Recording is off for "${updated.name}".`);
    });

  recordings
    .command("list <stream>")
    .description("A stream's recordings, newest first")
    .action(async (ref: string, _opts, cmd: Command) => {
      const { api, out } = context(cmd);
      const target = await findStream(api, ref);
      const list = await api.request<Recording[]>("GET", `/streams/${target.id}/recordings`);
      if (out.json) return out.data(list);
      if (list.length === 0) return out.print(`No recordings of "${target.name}" yet.${target.recording.enabled ? "" : ` Turn recording on with: prism recordings on "${target.name}"`}`);
      out.print(
        table(
          ["ID", "STARTED", "LENGTH", "SIZE", "STATE", "MARKERS"],
          list.map((r) => [r.id, r.startedAt.slice(0, 19).replace("T", " "), r.durationSec === null ? "–" : formatDuration(r.durationSec * 1000), formatBytes(r.sizeBytes), r.state + (r.note ? ` (${r.note})` : ""), String(r.markers.length)]),
        ),
      );
    });

  recordings
    .command("clip <stream>")
    .description("Clip that: the last seconds of a live stream's recording, as an MP4")
    .option("--last <seconds>", "how many seconds", Number, 30)
    .option("--title <title>", "a title for the clip")
    .action(async (ref: string, opts: { last: number; title?: string }, cmd: Command) => {
      const { api, out } = context(cmd);
      const target = await findStream(api, ref);
      const clip = await api.request<Clip>("POST", `/streams/${target.id}/clips`, { lastSec: opts.last, ...(opts.title && { title: opts.title }) });
      if (out.json) return out.data(clip);
      out.print(`Clip ${clip.id}: ${clip.durationSec.toFixed(1)} s from ${clip.startSec.toFixed(1)} s into the recording.\nDownload: ${clip.downloadUrl}`);
    });

  recordings
    .command("marker <stream> [label]")
    .description("Drop a marker at this moment of a live stream's recording")
    .action(async (ref: string, label: string | undefined, _opts, cmd: Command) => {
      const { api, out } = context(cmd);
      const target = await findStream(api, ref);
      const marker = await api.request<{ id: string; atSec: number; recordingId: string }>("POST", `/streams/${target.id}/markers`, label ? { label } : {});
      if (out.json) return out.data(marker);
      out.print(`Marker at ${marker.atSec.toFixed(1)} s of recording ${marker.recordingId}.`);
    });
}
