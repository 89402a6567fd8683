import { describe, expect, it } from "vitest";
import { parsePostRef } from "../../src/destinations/x/post-ref.js";

describe("the announcement post a streamer pastes", () => {
  it("finds the post id in X's and Twitter's addresses and in a bare id", () => {
    const id = "1861000000000000001";
    for (const pasted of [
      id,
      ` ${id} `,
      `https://x.com/speedy_streams/status/${id}`,
      `https://x.com/speedy_streams/status/${id}?s=46&t=abc`,
      `https://twitter.com/speedy_streams/status/${id}`,
      `https://mobile.twitter.com/speedy_streams/statuses/${id}`,
      `https://www.x.com/speedy_streams/status/${id}/photo/1`,
      `https://x.com/i/web/status/${id}`,
    ]) {
      expect(parsePostRef(pasted), pasted).toEqual({ ok: true, id });
    }
  });

  it("says what is wrong with anything else", () => {
    expect(parsePostRef("https://x.com/speedy_streams")).toEqual({ ok: false, message: expect.stringMatching(/is not a post/) });
    expect(parsePostRef("https://x.com.evil.example/u/status/1")).toEqual({ ok: false, message: expect.stringMatching(/is not X/) });
    expect(parsePostRef("ftp://x.com/u/status/1")).toEqual({ ok: false, message: expect.stringMatching(/must start with https/) });
    expect(parsePostRef("my stream")).toEqual({ ok: false, message: expect.stringMatching(/numeric id/) });
    expect(parsePostRef("123456789012345678901")).toEqual({ ok: false, message: expect.stringMatching(/numeric id/) });
  });
});
