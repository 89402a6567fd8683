/**
 * Every NATS subject and JetStream key-value bucket the cluster uses is spelled here and nowhere else, so a
 * rename or a typo cannot split the cluster into nodes that no longer hear each other.
 *
 * A subject token may not hold ".", "*", ">" or white space (NATS splits and matches on them), and a KV key
 * is a subject token too: ids that reach a subject are checked here, so a hostile id cannot widen a
 * subscription or address another node's subject.
 */

const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;

/** `value` as one subject token, or a thrown error naming what was wrong. */
export function subjectToken(value: string, what: string): string {
  if (!TOKEN.test(value)) throw new Error(`${what} ${JSON.stringify(value)} cannot name a NATS subject: use 1-128 letters, digits, "-" or "_"`);
  return value;
}

/** The buckets, by what they hold. */
export const buckets = {
  /** One entry per live node (nodes.ts): who is in the cluster, its addresses and load. */
  nodes: "prism_nodes",
  /** One lease per live stream (leases.ts): the node that owns it. */
  streams: "prism_streams",
  /** One lease per cluster-wide chore (prune, retention, sweeps): the node that runs it. */
  maintenance: "prism_maint",
} as const;

/** What a node answers on its own subjects (request/reply). */
export type NodeCommand = "ping" | "http" | "command" | "holds";

/** `prism.node.<id>.<command>`: a request to one node. */
export function nodeSubject(nodeId: string, command: NodeCommand): string {
  return `prism.node.${subjectToken(nodeId, "Node id")}.${command}`;
}

/** What every node may hear about a stream (fan-out, no reply). */
export type StreamTopic = "health" | "chat" | "chat.in";

/** `prism.stream.<id>.<topic>`: one stream's snapshots or chat. */
export function streamSubject(streamId: string, topic: StreamTopic): string {
  return `prism.stream.${subjectToken(streamId, "Stream id")}.${topic}`;
}

/** Every stream's `topic` at once (`prism.stream.*.<topic>`), and the stream id a message on it is for. */
export function anyStreamSubject(topic: StreamTopic): { subject: string; streamIdOf(subject: string): string } {
  return { subject: `prism.stream.*.${topic}`, streamIdOf: (subject) => subject.split(".")[2] ?? "" };
}

/** `prism.events.<event>`: the bus's fan-out (event names such as "stream.started" become two tokens). */
export function eventSubject(event: string): string {
  if (!/^[a-z_]+(\.[a-z_]+)*$/.test(event)) throw new Error(`Event name ${JSON.stringify(event)} cannot name a NATS subject`);
  return `prism.events.${event}`;
}

/** Every event of the bus's fan-out at once (`prism.events.>`), and the event name a message on it carries. */
export function anyEventSubject(): { subject: string; eventOf(subject: string): string } {
  const prefix = "prism.events.";
  return { subject: `${prefix}>`, eventOf: (subject) => (subject.startsWith(prefix) ? subject.slice(prefix.length) : "") };
}

/** Every node's caches listen here for "drop this entry". */
export const cacheInvalidateSubject = "prism.cache.invalidate";
