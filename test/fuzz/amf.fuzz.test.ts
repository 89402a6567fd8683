import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { amf, routeNmsLogging } from "../../src/relay/rtmp/nms.js";
import { FUZZ_TIMEOUT_MS, fuzzRuns } from "./runs.js";

/**
 * node-media-server's AMF0 decoder, which Prism runs on every command and data message a publisher
 * sends. It throws plain Errors on malformed input (the ingest connection turns those into an
 * RtmpProtocolError and closes); what must never happen is a hang, a non-Error throw or a result
 * bigger than its input allows.
 */
describe("AMF0 decoding under fuzzing", () => {
  // NMS logs every unknown command name; thousands of fuzzed ones are noise.
  routeNmsLogging(pino({ level: "silent" }));
  const amfish = fc.oneof(
    fc.uint8Array({ maxLength: 4_000 }),
    // Mostly well-formed starts (string command, number, object markers) with junk after.
    fc.tuple(fc.constantFrom(0x02, 0x00, 0x03, 0x08, 0x0a, 0x0c), fc.uint8Array({ maxLength: 2_000 })).map(([marker, rest]) => Uint8Array.from([marker, ...rest])),
  );

  it("decodes any bytes as a command or data message, or throws an Error, without hanging", { timeout: FUZZ_TIMEOUT_MS }, () => {
    fc.assert(
      fc.property(amfish, (raw) => {
        const bytes = Buffer.from(raw);
        const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).length;
        for (const decode of [amf.decodeAmf0Cmd, amf.decodeAmf0Data]) {
          try {
            const decoded = decode(bytes);
            expect(JSON.stringify(decoded ?? null).length).toBeLessThan(64 * bytes.length + 1_024);
          } catch (err) {
            expect(err).toBeInstanceOf(Error);
          }
        }
        // A "__proto__" key sets the decoded object's own prototype (fuzzing found it), never Object.prototype.
        expect(Object.getOwnPropertyNames(Object.prototype)).toHaveLength(prototypeKeys);
      }),
      fuzzRuns(300),
    );
  });

  it("round-trips commands it encodes", { timeout: FUZZ_TIMEOUT_MS }, () => {
    // "__proto__" is left out: NMS's decoder assigns keys with obj[key] = value, so that key
    // replaces the decoded object's prototype instead of becoming a property (found by fuzzing;
    // it reaches no other object, and Prism reads only app and tcUrl from a connect).
    const key = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== "__proto__");
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 0, max: 1_000_000 }), fc.dictionary(key, fc.string()), (tcUrl, transId, extra) => {
        const cmdObj = { ...extra, app: "live", tcUrl };
        const decoded = amf.decodeAmf0Cmd(amf.encodeAmf0Cmd({ cmd: "connect", transId, cmdObj }));
        expect(decoded).toMatchObject({ cmd: "connect", transId, cmdObj });
      }),
      fuzzRuns(100),
    );
  });
});
