import type { ApiClient } from "./client.js";
import { CliError } from "./client.js";
import type { Destination, Stream } from "./api-types.js";

/** A thing named on the command line by id or by name; a name shared by several is refused. */
function pick<T extends { id: string; name: string }>(what: string, items: T[], ref: string): T {
  const byId = items.find((i) => i.id === ref);
  if (byId) return byId;
  const byName = items.filter((i) => i.name === ref);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) throw new CliError(`${byName.length} ${what}s are called "${ref}"; use the id instead (${byName.map((i) => i.id).join(", ")}).`);
  const known = items.map((i) => `"${i.name}"`).join(", ") || "none yet";
  throw new CliError(`No ${what} "${ref}". Known: ${known}.`);
}

export async function findStream(api: ApiClient, ref: string): Promise<Stream> {
  return pick("stream", await api.request<Stream[]>("GET", "/streams"), ref);
}

export async function findDestination(api: ApiClient, stream: Stream, ref: string): Promise<Destination> {
  return pick("destination", await api.request<Destination[]>("GET", `/streams/${stream.id}/destinations`), ref);
}
