import { networkInterfaces } from "node:os";

/** The host OBS should use: the configured public host, the bind address, or this machine's LAN address. */
export function publicHostFor(bindHost: string, configured: string | undefined): string {
  if (configured) return configured;
  if (bindHost !== "0.0.0.0" && bindHost !== "::") return bindHost;
  for (const addresses of Object.values(networkInterfaces())) {
    const lan = addresses?.find((a) => a.family === "IPv4" && !a.internal);
    if (lan) return lan.address;
  }
  return "localhost";
}

/** host:port for a URL, with brackets around IPv6 literals. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}
