import { PlatformRefused, PlatformUnavailable } from "../core/platform-errors.js";
import { describeAddress, type AddressPolicy, type AddressRefused } from "../net/address-policy.js";

/** Why an output is not live, in words a streamer can act on. `kind` drives retry policy. */
export type OutputErrorKind =
  | "unreachable" // nothing answered: refused, no route, DNS
  | "timeout" // answered too slowly
  | "rejected" // the server refused the stream key or the app
  | "closed" // the server hung up
  | "protocol" // the server spoke something we do not understand
  | "slow"; // the server did not keep up with the stream

export class OutputError extends Error {
  constructor(
    readonly kind: OutputErrorKind,
    message: string,
    /** What really happened, for the operator's log only (see couldNotConnect). */
    readonly detail?: string,
  ) {
    super(message);
    this.name = "OutputError";
  }
}

/**
 * The one answer for every failure before the RTMP handshake (refused, timed out, no route, not
 * found, TLS failed, not an RTMP server): whoever can add destinations reads lastError, and telling
 * those apart would let them map which ports of the internal network are open. The real reason is
 * kept in `detail` for the log, which only the operator reads.
 */
export function couldNotConnect(where: string, detail: string): OutputError {
  return new OutputError(
    "unreachable",
    `Could not connect to ${where}: no RTMP server accepted the connection. Check the host, port and rtmp:// or rtmps:// of the URL, that the server is running and reachable from the Prism machine; Prism's log has the network error.`,
    detail,
  );
}

/** A destination whose address PRISM_DESTINATION_ALLOW does not allow: failed, not retried. */
export function policyRefusal(where: string, refused: AddressRefused, policy: AddressPolicy): OutputError {
  const address = refused.host === refused.address ? refused.address : `${refused.host} (${refused.address})`;
  return new OutputError(
    "rejected",
    `${where} is refused by the destination address policy: ${address} is ${describeAddress(refused.address)}, and PRISM_DESTINATION_ALLOW is "${policy.text}". The operator can allow it there.`,
  );
}

/** Turns a socket error into a sentence naming the host, never the stream key. */
export function describeSocketError(err: NodeJS.ErrnoException, where: string): OutputError {
  switch (err.code) {
    case "ECONNREFUSED":
      return new OutputError("unreachable", `Connection refused by ${where}: no RTMP server is listening there. Check the URL and port.`);
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new OutputError("unreachable", `Host of ${where} not found: check the server address.`);
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return new OutputError("unreachable", `${where} is unreachable from this machine (no route).`);
    case "ECONNRESET":
    case "EPIPE":
      return new OutputError("closed", `${where} closed the connection.`);
    case "ETIMEDOUT":
      return new OutputError("timeout", `${where} did not answer in time.`);
    default:
      if (err.code?.startsWith("ERR_TLS") || /certificate|self.signed|TLS|SSL/i.test(err.message)) {
        return new OutputError("unreachable", `TLS with ${where} failed: ${err.message}.`);
      }
      return new OutputError("unreachable", `Could not talk to ${where}: ${err.message}.`);
  }
}

/**
 * Why a destination's `resolve` (its platform handing out the ingest) found no target, as health
 * shows it: a platform's refusal waits for the streamer ("rejected"), anything else is retried.
 */
export function unresolvedTarget(err: unknown): OutputError {
  if (err instanceof OutputError) return err;
  if (err instanceof PlatformRefused) return new OutputError("rejected", err.message);
  if (err instanceof PlatformUnavailable) return new OutputError("unreachable", err.message);
  return new OutputError("unreachable", `Could not find out where to send the stream: ${String((err as Error)?.message ?? err)}`);
}
