import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from "node:dns";
import { isIP } from "node:net";
import ipaddr, { type IPv4, type IPv6 } from "ipaddr.js";

/** What kind of network an address belongs to: what operators allow or refuse by name. */
export type AddressClass = "public" | "private" | "loopback" | "link-local" | "unspecified" | "multicast" | "broadcast" | "reserved";

/** The classes an operator may name in an allow list; the others can only be allowed by CIDR. */
export const POLICY_KEYWORDS = ["public", "private", "loopback", "link-local"] as const;

export interface AddressPolicy {
  classes: ReadonlySet<AddressClass>;
  ranges: ReadonlyArray<[IPv4 | IPv6, number]>;
  /** The policy as the operator wrote it, for messages. */
  text: string;
}

/** Webhooks by default: public unicast only. */
export const PUBLIC_ONLY: AddressPolicy = { classes: new Set(["public"]), ranges: [], text: "public" };

const V4_CLASSES: Record<string, AddressClass> = {
  unicast: "public",
  private: "private",
  carrierGradeNat: "private",
  loopback: "loopback",
  linkLocal: "link-local",
  unspecified: "unspecified",
  multicast: "multicast",
  broadcast: "broadcast",
};
const V6_CLASSES: Record<string, AddressClass> = {
  unicast: "public",
  uniqueLocal: "private",
  deprecatedSiteLocal: "private",
  loopback: "loopback",
  linkLocal: "link-local",
  unspecified: "unspecified",
  multicast: "multicast",
};

/**
 * The IPv4 addresses an IPv6 address carries, which is where its packets end up: IPv4-mapped and
 * -translated (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d, deprecated but still routed by some
 * stacks to the IPv4 address), NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48, whose
 * layout depends on the site's prefix length, so both usual layouts are checked), 6to4
 * (2002:AABB:CCDD::/16) and Teredo (server and XOR-ed client address). Empty for other addresses.
 */
export function embeddedIPv4(address: IPv6): IPv4[] {
  const p = address.parts;
  const v4 = (hi: number, lo: number) => ipaddr.fromByteArray([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]) as IPv4;
  const range = address.range();
  if (range === "ipv4Mapped" || range === "rfc6145") return [v4(p[6]!, p[7]!)];
  if (range === "rfc6052") {
    const last = v4(p[6]!, p[7]!);
    // RFC 6052 /48 layout: bits 48–63 then 72–87 (bits 64–71 are the reserved "u" octet).
    return p[1] === 0xff9b && p[2] === 1 ? [v4(p[3]!, ((p[4]! & 0xff) << 8) | (p[5]! >> 8)), last] : [last];
  }
  if (range === "6to4") return [v4(p[1]!, p[2]!)];
  if (range === "teredo") return [v4(p[2]!, p[3]!), v4(~p[6]! & 0xffff, ~p[7]! & 0xffff)];
  const compatible = p.slice(0, 6).every((part) => part === 0) && (p[6] !== 0 || p[7]! > 1);
  return compatible ? [v4(p[6]!, p[7]!)] : [];
}

function parse(address: string): IPv4 | IPv6 | null {
  try {
    return ipaddr.parse(address.replace(/^\[|\]$/g, ""));
  } catch {
    return null;
  }
}

/** The class of one address, ignoring what it embeds. */
function ownClass(address: IPv4 | IPv6): AddressClass {
  const table = address.kind() === "ipv4" ? V4_CLASSES : V6_CLASSES;
  return table[address.range()] ?? "reserved";
}

/**
 * The addresses that decide whether `address` may be reached: the IPv4 addresses it embeds if
 * it embeds any (their rules apply, not the IPv6 prefix's), else the address itself.
 */
function effectiveAddresses(address: IPv4 | IPv6): Array<IPv4 | IPv6> {
  if (address.kind() === "ipv4") return [address];
  const embedded = embeddedIPv4(address as IPv6);
  return embedded.length > 0 ? embedded : [address];
}

/** The class that describes `address`: the first non-public one among what it embeds, else "public". Malformed → "reserved". */
export function classOf(address: string): AddressClass {
  const parsed = parse(address);
  if (!parsed) return "reserved";
  const classes = effectiveAddresses(parsed).map(ownClass);
  return classes.find((c) => c !== "public") ?? "public";
}

export function allowsAddress(policy: AddressPolicy, address: string): boolean {
  const parsed = parse(address);
  if (!parsed) return false;
  const inRanges = (a: IPv4 | IPv6) => policy.ranges.some(([net, bits]) => a.kind() === net.kind() && a.match(net, bits));
  if (inRanges(parsed)) return true;
  return effectiveAddresses(parsed).every((a) => policy.classes.has(ownClass(a)) || inRanges(a));
}

/** Words for ipaddr.js's range names, finer than the classes (e.g. carrier-grade NAT is "private" for the policy). */
const RANGE_WORDS: Record<string, string> = {
  unicast: "public",
  private: "private network",
  uniqueLocal: "private network (unique local)",
  deprecatedSiteLocal: "private network (site-local)",
  carrierGradeNat: "carrier-grade NAT",
  loopback: "loopback",
  linkLocal: "link-local",
  unspecified: "unspecified",
  multicast: "multicast",
  broadcast: "broadcast",
};

/** "a loopback address", "a private network address (it carries the IPv4 address 10.0.0.1)". */
export function describeAddress(address: string): string {
  const parsed = parse(address);
  if (!parsed) return "a malformed address";
  const effective = effectiveAddresses(parsed);
  const deciding = effective.find((a) => ownClass(a) !== "public") ?? effective[0]!;
  const words = RANGE_WORDS[deciding.range()] ?? "reserved";
  const carried = deciding !== parsed ? ` (it carries the IPv4 address ${deciding.toString()})` : "";
  return `${/^[aeiou]/.test(words) ? "an" : "a"} ${words} address${carried}`;
}

/**
 * Reads an allow list: comma-separated keywords (public, private, loopback, link-local) and
 * CIDRs or single addresses. Throws an Error naming the bad item.
 */
export function parseAddressPolicy(text: string, name: string): AddressPolicy {
  const items = text.split(",").map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new Error(`${name} is empty: give a comma list such as "public,private" (keywords: ${POLICY_KEYWORDS.join(", ")}; or CIDRs like 127.0.0.1/32).`);
  const classes = new Set<AddressClass>();
  const ranges: Array<[IPv4 | IPv6, number]> = [];
  for (const item of items) {
    const keyword = item.toLowerCase();
    if ((POLICY_KEYWORDS as readonly string[]).includes(keyword)) {
      classes.add(keyword as AddressClass);
    } else if (isIP(item)) {
      const a = ipaddr.parse(item);
      ranges.push([a, a.kind() === "ipv4" ? 32 : 128]);
    } else {
      try {
        ranges.push(ipaddr.parseCIDR(item));
      } catch {
        throw new Error(`${name}: "${item}" is neither a keyword (${POLICY_KEYWORDS.join(", ")}) nor an address or CIDR like 10.1.2.0/24 or fd00::/8.`);
      }
    }
  }
  return { classes, ranges, text: items.join(",") };
}

/** An error for an address the policy refuses; `code` lets callers tell it from network errors. */
export class AddressRefused extends Error {
  readonly code = "EADDRPOLICY";
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`${host} resolves to ${address}, ${describeAddress(address)}, which the address policy refuses`);
    this.name = "AddressRefused";
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
type Lookup = (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback) => void;

/**
 * A dns.lookup for net/tls/http connect options that fails with AddressRefused when any address
 * the host resolves to is outside the policy: the check happens on the very addresses the socket
 * then connects to, so a DNS answer changed after validation cannot slip through.
 */
export function policyLookup(policy: AddressPolicy, resolve: typeof dnsLookup = dnsLookup): Lookup {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, "");
      const refused = addresses.find((a) => !allowsAddress(policy, a.address));
      if (refused) return callback(new AddressRefused(hostname, refused.address), "");
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }), "");
      callback(null, first.address, first.family);
    });
  };
}

/**
 * Why a destination URL is refused when its host is an IP literal outside the policy, or null.
 * Host names are checked when connecting, on what they then resolve to.
 */
export function refusedDestinationUrl(rawUrl: string, policy: AddressPolicy): string | null {
  let host: string;
  try {
    host = new URL(rawUrl).hostname.replace(/^\[|\]$/g, "");
  } catch {
    return null; // malformed URLs are the URL check's business
  }
  if (!isIP(host) || allowsAddress(policy, host)) return null;
  return `url: ${host} is ${describeAddress(host)}, which destinations may not connect to: PRISM_DESTINATION_ALLOW is "${policy.text}". The operator can add a keyword (loopback, link-local) or a CIDR there.`;
}
