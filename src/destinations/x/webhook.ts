import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { IncomingChatMessage } from "../chat-types.js";

/**
 * X's webhooks (Account Activity / X Activity API), as X documents them for every webhook product:
 * - CRC: X sends `GET ?crc_token=…` when the webhook is registered and then about hourly; the answer
 *   is `{ "response_token": "sha256=" + base64(HMAC-SHA256(consumer secret, crc_token)) }`, within 3 s.
 * - Every POST carries `x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(consumer secret, raw body)>`.
 * The key is the app's consumer secret (API key secret), not a bearer or user token. The secret
 * stays inside this closure: callers get functions, never the value.
 */
export interface XWebhookSigner {
  crcResponse(crcToken: string): string;
  /** Constant-time check of the signature header against the raw body. */
  verify(rawBody: Uint8Array, header: string | undefined): boolean;
}

export function xWebhookSigner(consumerSecret: string): XWebhookSigner {
  const mac = (data: Uint8Array | string) => createHmac("sha256", consumerSecret).update(data).digest();
  return {
    crcResponse: (crcToken) => `sha256=${mac(crcToken).toString("base64")}`,
    verify(rawBody, header) {
      const given = /^sha256=([A-Za-z0-9+/]+={0,2})$/.exec(header?.trim() ?? "")?.[1];
      if (!given) return false;
      const expected = mac(rawBody);
      const received = Buffer.from(given, "base64");
      return received.length === expected.length && timingSafeEqual(received, expected);
    },
  };
}

/*
 * The event envelope. Verified in X's docs: chat is the X Activity API event `broadcast.chat`, one
 * subscription per broadcasting user (filter.user_id) covering every broadcast that user owns.
 * ASSUMED (X's public pages show no delivered example; this follows a public client that parses
 * them): `{ data: { event_type, event_uuid, filter: { user_id }, tag, payload: { broadcast_id,
 * message_id, message, author: { data: <user> } } } }`. Parsed leniently: unknown fields pass, other
 * event types are acknowledged and ignored, and a chat event missing what the feed needs is skipped.
 */
const ActivityEvent = z.looseObject({
  event_type: z.string(),
  event_uuid: z.string().optional(),
  filter: z.looseObject({ user_id: z.string().optional() }).optional(),
  tag: z.string().optional(),
  payload: z.record(z.string(), z.unknown()).optional(),
});
export const XActivityDelivery = z.looseObject({ data: z.union([ActivityEvent, z.array(ActivityEvent)]) });
export type XActivityDelivery = z.infer<typeof XActivityDelivery>;

const BroadcastChat = z.looseObject({
  broadcast_id: z.string().optional(),
  message_id: z.string().min(1),
  message: z.string().min(1),
  created_at: z.string().optional(),
  author: z.looseObject({
    data: z.looseObject({ id: z.string(), username: z.string(), name: z.string().optional(), profile_image_url: z.string().optional(), verified: z.boolean().optional() }),
  }),
});

/** One chat message of a broadcast, with whose broadcast it is. */
export interface XBroadcastChat {
  userId: string;
  broadcastId: string | undefined;
  message: IncomingChatMessage;
}

/** The `broadcast.chat` messages of one delivery, in the order X sent them. */
export function broadcastChats(delivery: XActivityDelivery, receivedAt = new Date()): XBroadcastChat[] {
  const events = Array.isArray(delivery.data) ? delivery.data : [delivery.data];
  return events.flatMap((event) => {
    const userId = event.filter?.user_id;
    const chat = event.event_type === "broadcast.chat" && userId ? BroadcastChat.safeParse(event.payload) : undefined;
    if (!chat?.success || !userId) return [];
    const { broadcast_id, message_id, message, created_at, author } = chat.data;
    const sent = created_at ? new Date(created_at) : receivedAt;
    return [
      {
        userId,
        broadcastId: broadcast_id,
        message: {
          platformMessageId: message_id,
          author: { id: author.data.id, name: `@${author.data.username}`, ...(author.data.profile_image_url && { avatarUrl: author.data.profile_image_url }), badges: author.data.verified ? ["verified"] : [] },
          text: message,
          // X's chat events carry no send time Prism could rely on (assumed): arrival time stands in.
          sentAt: Number.isNaN(sent.getTime()) ? receivedAt : sent,
        },
      },
    ];
  });
}
