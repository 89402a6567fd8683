import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream, type Publisher } from "../support/publisher.js";
import { closedPort } from "../support/ports.js";
import { linkThroughBrowser } from "../oauth/support.js";
import { startXFake, type XFake } from "../fakes/x.js";
import { killAll } from "../support/children.js";
import { releaseClosedPorts } from "../support/ports.js";

/** The X app's consumer secret the webhook tests sign with (X's example from its CRC guide). */
export const X_CONSUMER_SECRET = "z3ZX4v7mAAUGykl3EcmkqbartmuW8VFOOzCloLx9Q45P0hLrFu";

/** A real Prism pointed at the X fake, polling X fast, with a short reorder window. */
export function startXPrism(x: XFake): Promise<TestPrism> {
  return startTestPrism({ env: { ...x.env(), PRISM_X_CHAT_POLL_MS: "100", PRISM_CHAT_REORDER_MS: "50", PRISM_X_CONSUMER_SECRET: X_CONSUMER_SECRET } });
}

/** One X fake and one Prism for the describe block (publishers killed after each test); `ready` gets them. */
export function useXPrism(ready: (x: XFake, t: TestPrism) => void | Promise<void>): void {
  let x: XFake | undefined;
  let t: TestPrism | undefined;
  beforeAll(async () => {
    x = await startXFake();
    t = await startXPrism(x);
    await ready(x, t);
  });
  afterEach(async () => {
    await killAll();
  });
  afterAll(async () => {
    await t?.stop();
    await x?.close();
    await releaseClosedPorts();
  });
}

/**
 * A stream with an X destination of the linked account (`x` settings as the API takes them). Its
 * ingest is a port that refuses: X's video is not what these tests look at, its chat is.
 */
export async function streamWithX(t: TestPrism, xFake: XFake, x: Record<string, unknown>): Promise<{ stream: any; destination: any; accountId: string }> {
  const { location } = await linkThroughBrowser(t, "x", xFake.oauth);
  const accountId = location.searchParams.get("account")!;
  const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Speedrun night" });
  const created = await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, {
    platform: "x",
    accountId,
    url: `rtmp://127.0.0.1:${await closedPort()}/x`,
    streamKey: "xk-test-key",
    x,
  });
  expect(created.status, created.text).toBe(201);
  return { stream, destination: created.body, accountId };
}

/** OBS going live on the stream, for real (ffmpeg over RTMP): the feed's readers start on stream.started. */
export async function goLive(t: TestPrism, stream: { streamKey: string }): Promise<Publisher> {
  const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
  expect(await publisher.publishing).toBe(true);
  return publisher;
}

export async function feedTexts(t: TestPrism, streamId: string): Promise<string[]> {
  const { body } = await t.api("GET", `/api/v1/streams/${streamId}/comments?limit=200`);
  return body.comments.map((c: { platform: string; text: string }) => `${c.platform}:${c.text}`);
}

/** Waits until the feed holds `texts` (in this order), then a few more polls, and checks nothing came twice. */
export async function expectFeed(t: TestPrism, streamId: string, texts: string[]): Promise<void> {
  await waitFor(async () => JSON.stringify(await feedTexts(t, streamId)) === JSON.stringify(texts), { what: `the feed to be ${JSON.stringify(texts)}`, timeoutMs: 15_000 });
  await new Promise((r) => setTimeout(r, 400));
  expect(await feedTexts(t, streamId)).toEqual(texts);
}
