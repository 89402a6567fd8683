import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPrism, TEST_TOKEN, type TestPrism } from "../support/prism.js";
import { removeTempDirs } from "../support/tmp.js";
import { uploadedClip } from "../support/clip.js";
import { HTTP_METHODS, OpenApiChecker, SCHEDULE_PATHS } from "../api/openapi-check.js";

type Json = Record<string, any>;

/** Every status each scheduled-event operation must have been seen answering, each answer validated against the document. */
const EXPECTED: Record<string, string[]> = {
  "post /api/v1/streams/{id}/events": ["201", "400", "401", "404"], // 409 (100 scheduled) in scheduled-events.test.ts
  "get /api/v1/streams/{id}/events": ["200", "401", "404"],
  "get /api/v1/events/{eventId}": ["200", "400", "404"],
  "patch /api/v1/events/{eventId}": ["200", "400", "404", "409"],
  "delete /api/v1/events/{eventId}": ["200", "404", "409"],
  "post /api/v1/actions/{actionToken}/start-event": ["200", "400", "401", "403", "404", "409"],
  "post /api/v1/actions/{actionToken}/cancel-event": ["200", "401", "404", "409"],
};

describe("the OpenAPI document describes scheduled events and their action URLs as they answer", () => {
  let t: TestPrism;
  let checker: OpenApiChecker;
  let doc: Json;

  beforeAll(async () => {
    t = await startTestPrism();
    doc = (await t.api("GET", "/api/v1/openapi.json", undefined, { token: null })).body;
    checker = new OpenApiChecker(doc, { strict: true });
  });
  afterAll(async () => {
    await t?.stop();
    await removeTempDirs();
  });

  const call = async (method: string, path: string, body?: unknown, token: string | null = TEST_TOKEN) => {
    const res = await t.api(method, path, body, { token });
    checker.check(method, path, { status: res.status, text: res.text, headers: res.headers });
    return res;
  };
  const expectStatus = async (status: number, pending: ReturnType<typeof call>) => {
    const res = await pending;
    expect(res.status, `${res.text}`).toBe(status);
    return res.body;
  };
  const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

  it("answers every operation, errors included, as documented; none is left out", async () => {
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Documented" });
    const events = `/api/v1/streams/${stream.id}/events`;
    const missing = "/api/v1/streams/00000000-0000-4000-8000-000000000000/events";
    const live = await expectStatus(201, call("POST", events, { title: "Live", description: null, startsAt: inMs(3_600_000), endsAt: inMs(7_200_000), source: { type: "live" } }));
    const rerun = await uploadedClip(t, { durationSec: 1, name: "rerun" });
    const media = await expectStatus(201, call("POST", events, { title: "Rerun", startsAt: inMs(1_800_000), source: { type: "media", mediaId: rerun.id, loop: true } }));
    await expectStatus(400, call("POST", events, { title: "Past", startsAt: inMs(-1_000) }));
    // bad_source: a well-formed id of no uploaded video.
    expect((await expectStatus(400, call("POST", events, { title: "Nothing", startsAt: inMs(60_000), source: { type: "media", mediaId: "med_neveruploaded" } }))).error.code).toBe("bad_source");
    await expectStatus(401, call("POST", events, { title: "Anonymous", startsAt: inMs(60_000) }, null));
    await expectStatus(404, call("POST", missing, { title: "Nowhere", startsAt: inMs(60_000) }));
    expect(await expectStatus(200, call("GET", events))).toHaveLength(2);
    await expectStatus(401, call("GET", events, undefined, null));
    await expectStatus(404, call("GET", missing));

    const one = `/api/v1/events/${live.id}`;
    const unknown = `/api/v1/events/sev_${"f".repeat(32)}`;
    await expectStatus(200, call("GET", one));
    await expectStatus(400, call("GET", "/api/v1/events/sev_short"));
    await expectStatus(404, call("GET", unknown));
    await expectStatus(200, call("PATCH", one, { title: "Live, moved", startsAt: inMs(5_400_000), endsAt: null }));
    await expectStatus(400, call("PATCH", one, { endsAt: inMs(60_000) }));
    await expectStatus(404, call("PATCH", unknown, { title: "x" }));

    const tokens = `/api/v1/streams/${stream.id}/action-tokens`;
    const both = (await t.api("POST", tokens, { name: "Events", actions: ["start-event", "cancel-event"] })).body;
    const destinationsOnly = (await t.api("POST", tokens, { name: "Destinations" })).body;
    const act = (token: string, action: string, body?: unknown) => call("POST", `/api/v1/actions/${token}/${action}`, body, null);
    await expectStatus(409, act(both.token, "start-event", { eventId: live.id }));
    await expectStatus(400, act(both.token, "start-event", { eventId: "sev_nope" }));
    await expectStatus(401, act("prism_act_unknown", "start-event", {}));
    await expectStatus(401, act("prism_act_unknown", "cancel-event", {}));
    await expectStatus(403, act(destinationsOnly.token, "start-event", {}));
    await expectStatus(404, act(both.token, "start-event", { eventId: unknown.split("/").pop() }));
    expect(await expectStatus(200, act(both.token, "start-event", { eventId: media.id }))).toMatchObject({ status: "started" });
    await expectStatus(409, act(both.token, "cancel-event", { eventId: media.id }));
    await expectStatus(409, call("PATCH", `/api/v1/events/${media.id}`, { title: "Too late" }));
    expect(await expectStatus(200, act(both.token, "cancel-event", {}))).toMatchObject({ id: live.id, status: "cancelled" });
    await expectStatus(404, act(both.token, "cancel-event", {}));
    await expectStatus(409, call("DELETE", one));
    await expectStatus(404, call("DELETE", unknown));
    const third = await expectStatus(201, call("POST", events, { title: "Third", startsAt: inMs(60_000) }));
    await expectStatus(200, call("DELETE", `/api/v1/events/${third.id}`));

    const documented = Object.entries<Json>(doc.paths)
      .filter(([path]) => SCHEDULE_PATHS.test(path))
      .flatMap(([path, item]) => HTTP_METHODS.filter((m) => item[m]).map((m) => `${m} ${path}`));
    expect(documented.sort(), "operations in the document vs. the EXPECTED table of this test").toEqual(Object.keys(EXPECTED).sort());
    const short = Object.entries(EXPECTED).flatMap(([key, statuses]) => {
      const seen = checker.exercised.get(key) ?? new Set<string>();
      const left = statuses.filter((s) => !seen.has(s));
      return left.length > 0 ? [`${key}: saw ${[...seen].sort().join(", ") || "nothing"}, missing ${left.join(", ")}`] : [];
    });
    expect(short, "operations not exercised with every status they must show").toEqual([]);
  });
});
