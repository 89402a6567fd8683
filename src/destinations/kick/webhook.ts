import { createPublicKey, verify, type KeyObject } from "node:crypto";
import { z } from "zod";
import type { IncomingChatMessage } from "../chat-types.js";
import { endpoint, readJson } from "../platform-http.js";
import { kickMessage } from "./api.js";
import { KICK_DELIVERY_MEMORY, KICK_PUBLIC_KEY_TTL_MS } from "./limits.js";

/** The headers every Kick webhook delivery carries (docs: events/webhook-security). */
export interface KickDeliveryHeaders {
  messageId: string;
  timestamp: string;
  signature: string;
  type: string;
  version: string;
  subscriptionId: string | undefined;
}

/**
 * Kick signs each delivery with its private key: RSA PKCS#1 v1.5 over SHA-256 of
 * `<Kick-Event-Message-Id>.<Kick-Event-Message-Timestamp>.<raw body>`, base64 in Kick-Event-Signature.
 * The public key is Kick's own (GET /public/v1/public-key), fetched once and kept for an hour, so a
 * key Kick rotates is picked up without a restart.
 */
export interface KickSignatureCheck {
  /** false: not signed by the key Kick publishes. Rejects when the key cannot be fetched (the route answers 503). */
  verify(headers: Pick<KickDeliveryHeaders, "messageId" | "timestamp" | "signature">, rawBody: Uint8Array): Promise<boolean>;
}

/** After a failed fetch of the public key, how long before it is asked for again. */
const KEY_RETRY_MS = 30_000;

export function kickSignatureCheck(apiUrl: string, ttlMs = KICK_PUBLIC_KEY_TTL_MS): KickSignatureCheck {
  let cached: { key: Promise<KeyObject>; at: number } | undefined;
  const publicKey = () => {
    if (!cached || Date.now() - cached.at > ttlMs) {
      const key = fetchPublicKey(apiUrl);
      const entry = { key, at: Date.now() };
      cached = entry;
      // A failed fetch is kept for KEY_RETRY_MS only: deliveries (or anyone posting headers) cannot make Prism hammer Kick.
      key.catch(() => {
        if (cached === entry) entry.at = Date.now() - ttlMs + KEY_RETRY_MS;
      });
    }
    return cached.key;
  };
  return {
    async verify({ messageId, timestamp, signature }, rawBody) {
      const given = Buffer.from(signature, "base64");
      if (given.length === 0 || given.toString("base64") !== signature.replace(/\s+/g, "")) return false;
      const signed = Buffer.concat([Buffer.from(`${messageId}.${timestamp}.`), rawBody]);
      return verify("sha256", signed, await publicKey(), given);
    },
  };
}

/** GET /public-key → { data: { public_key: "-----BEGIN PUBLIC KEY-----…" }, message }. */
async function fetchPublicKey(apiUrl: string): Promise<KeyObject> {
  const res = await fetch(endpoint(apiUrl, "/public-key"), { headers: { Accept: "application/json" }, signal: AbortSignal.timeout(10_000) });
  const body = await readJson<{ data?: { public_key?: string } }>(res, "Kick", "hand out its webhook public key", kickMessage);
  const pem = body.data?.public_key;
  if (!pem) throw new Error("Kick answered /public-key without a public key");
  return createPublicKey(pem);
}

/**
 * Kick delivers at least once, so the same message id may come again; and a signed delivery stays
 * valid forever, so a captured one could be replayed. A delivery is taken once: its id is
 * remembered (the last KICK_DELIVERY_MEMORY), and one stamped outside `windowMs` of now is too old
 * (or too far ahead) to be live chat, whoever sends it.
 */
export class DeliveryGuard {
  private readonly seen = new Set<string>();

  constructor(
    private readonly windowMs: number,
    private readonly capacity = KICK_DELIVERY_MEMORY,
  ) {}

  /** Whether a delivery stamped `timestamp` is live enough to take (not a replay of an old one). */
  fresh(timestamp: string, now = Date.now()): boolean {
    const at = Date.parse(timestamp);
    return !Number.isNaN(at) && Math.abs(now - at) <= this.windowMs;
  }

  /** true the first time a message id is offered, false for every repeat. */
  firstTime(messageId: string): boolean {
    if (this.seen.has(messageId)) return false;
    this.seen.add(messageId);
    // A Set iterates in insertion order: its first value is the oldest.
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.values().next().value!);
    return true;
  }

  /** A delivery Prism could not take (answered with an error): Kick's retry of it is taken, not dropped as a repeat. */
  forget(messageId: string): void {
    this.seen.delete(messageId);
  }
}

const KickUser = z.looseObject({
  is_anonymous: z.boolean().optional(),
  user_id: z.number().int(),
  username: z.string(),
  is_verified: z.boolean().optional(),
  profile_picture: z.string().optional(),
  channel_slug: z.string().optional(),
});

const Sender = KickUser.extend({
  identity: z
    .looseObject({ username_color: z.string().optional(), badges: z.array(z.looseObject({ text: z.string().optional(), type: z.string(), count: z.number().optional() })).optional() })
    .nullish(),
});

/** The `chat.message.sent` v1 payload (docs: events/event-types, "Chat Message"); unknown fields pass. */
export const KickChatMessageEvent = z.looseObject({
  message_id: z.string().min(1),
  broadcaster: KickUser,
  sender: Sender,
  content: z.string(),
  emotes: z.array(z.looseObject({ emote_id: z.string(), positions: z.array(z.object({ s: z.number().int(), e: z.number().int() })) })).nullish(),
  created_at: z.string().optional(),
});
export type KickChatMessageEvent = z.infer<typeof KickChatMessageEvent>;

/** One chat message with the broadcaster whose chat it is, or undefined when the payload is not one Prism can read. */
export function chatMessageOf(payload: unknown, receivedAt = new Date()): { broadcasterUserId: string; message: IncomingChatMessage } | undefined {
  const parsed = KickChatMessageEvent.safeParse(payload);
  if (!parsed.success) return undefined;
  const { message_id, broadcaster, sender, content, emotes, created_at } = parsed.data;
  const sent = created_at ? new Date(created_at) : receivedAt;
  const chars = [...content];
  return {
    broadcasterUserId: String(broadcaster.user_id),
    message: {
      platformMessageId: message_id,
      author: {
        id: String(sender.user_id),
        name: sender.username,
        ...(sender.profile_picture && { avatarUrl: sender.profile_picture }),
        ...(sender.identity?.username_color && { color: sender.identity.username_color }),
        badges: [...(sender.is_verified ? ["verified"] : []), ...(sender.identity?.badges ?? []).map((b) => b.type)],
      },
      text: content,
      // Positions are inclusive, over the text as sent: "[emote:<id>:<name>]" spans s..e.
      emotes: (emotes ?? []).flatMap((emote) =>
        emote.positions
          .filter((p) => p.s >= 0 && p.e >= p.s && p.e < chars.length)
          .map((p) => ({ id: emote.emote_id, name: /^\[emote:\d+:([^\]]+)\]$/.exec(chars.slice(p.s, p.e + 1).join(""))?.[1] ?? emote.emote_id, start: p.s, end: p.e })),
      ),
      sentAt: Number.isNaN(sent.getTime()) ? receivedAt : sent,
    },
  };
}
