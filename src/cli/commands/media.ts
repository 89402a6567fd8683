import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, extname } from "node:path";
import { Readable, Transform } from "node:stream";
import type { Command } from "commander";
import type { Media } from "../api-types.js";
import { CliError } from "../client.js";
import { table } from "../format.js";
import type { CommandContext } from "../context.js";

const CONTENT_TYPES: Record<string, string> = { ".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime", ".mkv": "video/x-matroska", ".flv": "video/x-flv" };

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const duration = (sec: number) => `${Math.floor(sec / 60)}:${String(Math.round(sec % 60)).padStart(2, "0")}`;

/** Counts bytes on their way to Prism and reports the share sent, at most once per whole percent. */
function progressMeter(total: number, report: (percent: number, sent: number) => void): Transform {
  let sent = 0;
  let shown = -1;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      sent += chunk.length;
      const percent = total > 0 ? Math.floor((sent / total) * 100) : 100;
      if (percent !== shown) report((shown = percent), sent);
      done(null, chunk);
    },
  });
}

export function mediaCommands(program: Command, context: CommandContext): void {
  const media = program.command("media").description("Videos to stream as live (played into a stream by a scheduled event)");

  media
    .command("upload <file>")
    .description("Upload a video (MP4/MOV/MKV/FLV, H.264 or HEVC + AAC); progress goes to stderr")
    .option("--name <name>", "name to show for it (default: the file's name)")
    .action(async (file: string, opts: { name?: string }, cmd: Command) => {
      const { api, out } = context(cmd);
      const size = await stat(file).then(
        (s) => (s.isFile() ? s.size : Promise.reject(new Error("not a file"))),
        (err: Error) => Promise.reject(err),
      ).catch((err: Error) => {
        throw new CliError(`Cannot read ${file}: ${err.message}.`);
      });
      const name = opts.name ?? basename(file);
      const quiet = out.json || !process.stderr.isTTY;
      const meter = progressMeter(size, (percent, sent) => {
        if (!quiet) process.stderr.write(`\rUploading ${name}: ${String(percent).padStart(3)}% (${megabytes(sent)} of ${megabytes(size)})`);
      });
      const body = Readable.toWeb(createReadStream(file).pipe(meter)) as ReadableStream<Uint8Array>;
      const headers = { "content-type": CONTENT_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream", "content-length": String(size) };
      try {
        const uploaded = await api.upload<Media>(`/media?name=${encodeURIComponent(name)}`, body, headers);
        if (out.json) return out.data(uploaded);
        if (!quiet) process.stderr.write("\n");
        const audio = uploaded.audio ? `${uploaded.audio.codec} ${uploaded.audio.channels} ch` : "no audio";
        out.print(`Uploaded "${uploaded.name}" as ${uploaded.id}: ${duration(uploaded.durationSec)}, ${uploaded.video.codec} ${uploaded.video.width}x${uploaded.video.height}, ${audio}, ${megabytes(uploaded.sizeBytes)}.`);
      } catch (err) {
        if (!quiet) process.stderr.write("\n");
        throw err;
      }
    });

  media
    .command("list")
    .description("List uploaded videos")
    .action(async (_opts, cmd: Command) => {
      const { api, out } = context(cmd);
      const files = await api.request<Media[]>("GET", "/media");
      if (out.json) return out.data(files);
      if (files.length === 0) return out.print("No videos. Upload one with: prism media upload trailer.mp4");
      out.print(
        table(
          ["ID", "NAME", "LENGTH", "VIDEO", "SIZE", "PLAYING"],
          files.map((m) => [m.id, m.name, duration(m.durationSec), `${m.video.codec} ${m.video.width}x${m.video.height}`, megabytes(m.sizeBytes), m.playing ? m.playing.eventId : "-"]),
        ),
      );
    });

  media
    .command("delete <media>")
    .description("Delete an uploaded video (id or name); refused while an event streams it")
    .action(async (ref: string, _opts, cmd: Command) => {
      const { api, out } = context(cmd);
      const files = await api.request<Media[]>("GET", "/media");
      const target = files.find((m) => m.id === ref) ?? files.find((m) => m.name === ref);
      if (!target) throw new CliError(`No video "${ref}". Known: ${files.map((m) => `"${m.name}"`).join(", ") || "none"}.`);
      await api.request("DELETE", `/media/${target.id}`);
      if (out.json) return out.data({ deleted: target.id });
      out.print(`Deleted "${target.name}".`);
    });
}
