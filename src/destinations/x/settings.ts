import { z } from "@hono/zod-openapi";
import { BROADCAST_ID, parsePostRef, postUrl } from "./post-ref.js";
import type { DestinationSettingsSupport } from "../types.js";

/** An X destination's chat settings as Prism keeps them. */
export interface XChatSettings {
  postId: string | null;
  announceText: string | null;
  broadcastId: string | null;
}
type XChatPatch = Partial<XChatSettings>;

const postRef = z
  .string()
  .max(2048)
  .superRefine((value, ctx) => {
    const ref = parsePostRef(value);
    if (!ref.ok) ctx.addIssue({ code: "custom", message: ref.message });
  });

/** X's cap on a post's length; X counts some characters double and every link as 23, so this is the loosest check. */
const ANNOUNCE_MAX = 280;

export const XChatSettingsBody = z
  .object({
    announcementPost: postRef.nullable().optional().openapi({
      description: "The post announcing the stream, whose replies become the X chat: its address (https://x.com/<user>/status/<id>, twitter.com works too) or its numeric id; null forgets it. Changing it while live switches the reader to the new post.",
      example: "https://x.com/speedy_streams/status/1861000000000000001",
    }),
    announce: z
      .object({ text: z.string().trim().min(1, "must not be empty").max(ANNOUNCE_MAX, `must be at most ${ANNOUNCE_MAX} characters (X's limit for a post)`) })
      .nullable()
      .optional()
      .openapi({ description: "Prism posts this through the linked X account at every go-live (scope tweet.write) and reads the replies to it; null: the streamer posts the announcement" }),
    broadcastId: z
      .string()
      .regex(BROADCAST_ID, "must be X's broadcast id: 1 to 13 letters and digits, as in x.com/i/broadcasts/<id>")
      .nullable()
      .optional()
      .openapi({ description: "X Enterprise (Livestream API) only: the broadcast whose chat X pushes to Prism's webhook (POST /api/v1/platforms/x/webhook); Prism's answers are sent to it as chat messages (1–140 characters)" }),
  })
  .openapi("XChatSettingsInput", { example: { announce: { text: "Live now: speedrun night!" } } });

export const XChatSettingsSchema = z
  .object({
    announcementPostId: z.string().nullable(),
    announcementPostUrl: z.string().nullable(),
    announce: z.object({ text: z.string() }).nullable(),
    broadcastId: z.string().nullable(),
  })
  .openapi("XChatSettings", {
    description: "Where this X destination's chat is read: the replies to the announcement post, or an Enterprise broadcast's chat",
    example: {
      announcementPostId: "1861000000000000001",
      announcementPostUrl: "https://x.com/i/web/status/1861000000000000001",
      announce: { text: "Live now: speedrun night!" },
      broadcastId: null,
    },
  });

export function xChatPatch(input: z.infer<typeof XChatSettingsBody>): XChatPatch {
  const ref = input.announcementPost ? parsePostRef(input.announcementPost) : undefined;
  return {
    ...(input.announcementPost !== undefined && { postId: ref?.ok ? ref.id : null }),
    ...(input.announce !== undefined && { announceText: input.announce?.text ?? null }),
    ...(input.broadcastId !== undefined && { broadcastId: input.broadcastId }),
  };
}

export function xChatView(s: XChatSettings): z.infer<typeof XChatSettingsSchema> {
  return {
    announcementPostId: s.postId,
    announcementPostUrl: s.postId && postUrl(s.postId),
    announce: s.announceText === null ? null : { text: s.announceText },
    broadcastId: s.broadcastId,
  };
}

/** X destinations' chat settings: the field `x` of the destinations API. */
export const xDestinationSettings: DestinationSettingsSupport<z.infer<typeof XChatSettingsBody>, XChatSettings, z.infer<typeof XChatSettingsSchema>> = {
  input: XChatSettingsBody,
  view: XChatSettingsSchema,
  label: "X chat settings",
  describe: { input: "X destinations with a linked account: where the X chat is read", view: "X destinations only: where the X chat is read" },
  needsAccount: "reading X replies or posting the announcement needs a linked X account",
  defaults: { postId: null, announceText: null, broadcastId: null },
  patch: xChatPatch,
  show: xChatView,
};
