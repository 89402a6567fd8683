/**
 * nginx with the RTMP module, the reference relay: run in the foreground from a temp prefix with
 * its own config, either pushing to every receiver or as a plain RTMP server.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { childPids, makeTempDir, removeTempDir, runToEnd, spawnTracked, stop, waitListening, which, type Proc } from "../lib/proc.js";

const MODULE_DIR = "/usr/lib/nginx/modules";

export interface NginxInstall {
  bin: string;
  module: string;
  version: string;
}

function findModule(): string | undefined {
  if (!existsSync(MODULE_DIR)) return undefined;
  const so = readdirSync(MODULE_DIR).find((f) => /rtmp.*\.so$/.test(f));
  return so ? join(MODULE_DIR, so) : undefined;
}

/** nginx and its RTMP module, installed with apt-get (Debian packages) when either is missing. */
export async function ensureNginx(log: (msg: string) => void): Promise<NginxInstall> {
  let bin = which("nginx");
  let module = findModule();
  if (!bin || !module) {
    log("nginx or its RTMP module is missing: apt-get install nginx libnginx-mod-rtmp");
    const apt = which("apt-get");
    if (!apt) throw new Error("nginx with libnginx-mod-rtmp is needed and apt-get is not available: install them by hand");
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    await runToEnd("apt-get update", apt, ["update", "-qq"], { env });
    await runToEnd("apt-get install", apt, ["install", "-y", "-qq", "--no-install-recommends", "nginx", "libnginx-mod-rtmp"], { env });
    bin = which("nginx");
    module = findModule();
    if (!bin || !module) throw new Error(`after apt-get install: nginx ${bin ?? "missing"}, RTMP module ${module ?? "missing"} in ${MODULE_DIR}`);
  }
  // `nginx -v` prints to stderr.
  const v = spawnSync(bin, ["-v"], { encoding: "utf8" });
  const version = `${v.stderr}${v.stdout}`.trim();
  let modVersion = "";
  try {
    modVersion = execFileSync("dpkg-query", ["-W", "-f=${Version}", "libnginx-mod-rtmp"], { encoding: "utf8" }).trim();
  } catch {
    // not a Debian package install
  }
  return { bin, module, version: `${version.replace(/^nginx version: (nginx\/)?/, "")}${modVersion ? ` + rtmp module ${modVersion}` : ""}` };
}

export interface Nginx {
  proc: Proc;
  port: number;
  /** The master and its workers. */
  pids(): number[];
  stop(): Promise<void>;
}

/**
 * Start nginx-rtmp listening on 127.0.0.1:`port`, application "live"; with one `push` line per
 * entry of `pushTo` (receiver ports, pushed to rtmp://127.0.0.1:<port>/app/k).
 */
export function startNginx(install: NginxInstall, port: number, pushTo: number[]): Promise<Nginx> {
  return startNginxApps(install, port, [{ name: "live", pushTo }]);
}

/** nginx-rtmp with one application per entry of `apps`, each pushing what is published to it to its own receivers. */
export async function startNginxApps(install: NginxInstall, port: number, apps: { name: string; pushTo: number[] }[]): Promise<Nginx> {
  const prefix = makeTempDir("prism-bench-nginx-");
  const conf = join(prefix, "nginx.conf");
  const applications = apps
    .map((app) => `    application ${app.name} {
      live on;
      record off;
${app.pushTo.map((p) => `      push rtmp://127.0.0.1:${p}/app/k;`).join("\n")}
    }`)
    .join("\n");
  writeFileSync(
    conf,
    `load_module ${install.module};
daemon off;
master_process on;
worker_processes 1;
pid ${join(prefix, "nginx.pid")};
error_log ${join(prefix, "error.log")} warn;
events { worker_connections 4096; }
rtmp {
  server {
    listen 127.0.0.1:${port};
    chunk_size 4096;
${applications}
  }
}
`,
  );
  const proc = spawnTracked(`nginx :${port}`, install.bin, ["-p", `${prefix}/`, "-c", conf, "-e", join(prefix, "error.log")], { group: true });
  await waitListening([port], 10_000, "nginx", () => (proc.running() ? undefined : `exited:\n${proc.tail()}`));
  return {
    proc,
    port,
    pids: () => [proc.pid, ...childPids(proc.pid)],
    stop: async () => {
      await stop(proc);
      removeTempDir(prefix);
    },
  };
}
