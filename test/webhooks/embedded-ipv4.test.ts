import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkWebhookUrl } from "../../src/webhooks/url-policy.js";
import { WebhookSender } from "../../src/webhooks/http-sender.js";
import { startHttpReceiver, type HttpReceiver } from "./http-receiver.js";

/** IPv6 forms that carry an IPv4 address, each pointing at loopback, a private or a public IPv4. */
const FORMS: Array<[form: string, loopback: string, privateV4: string, publicV4: string]> = [
  ["IPv4-compatible", "::127.0.0.1", "::10.0.0.1", "::8.8.8.8"],
  ["IPv4-mapped", "::ffff:127.0.0.1", "::ffff:192.168.1.1", "::ffff:8.8.8.8"],
  ["IPv4-translated (RFC 6145)", "::ffff:0:127.0.0.1", "::ffff:0:10.1.1.1", "::ffff:0:8.8.8.8"],
  ["NAT64 well-known /96", "64:ff9b::127.0.0.1", "64:ff9b::169.254.169.254", "64:ff9b::8.8.8.8"],
  // Local-use NAT64, /48 layout: the IPv4 sits in bits 48–63 and 72–87 (public only if the /96 layout is too).
  ["NAT64 local-use /48", "64:ff9b:1:7f00:0:100::", "64:ff9b:1:a00:0:100::", "64:ff9b:1:808:8:800:808:808"],
  ["6to4", "2002:7f00:1::1", "2002:c0a8:101::1", "2002:808:808::1"],
  // Teredo: server 65.54.227.120, client XOR 0xffffffff (127.0.0.1 → 80ff:fffe).
  ["Teredo", "2001:0:4136:e378:8000:63bf:80ff:fffe", "2001:0:4136:e378:8000:63bf:f5ff:fffe", "2001:0:4136:e378:8000:63bf:f7f7:f7f7"],
];

const noDns = { allowPrivate: false, resolve: async (host: string): Promise<string[]> => Promise.reject(new Error(`unexpected lookup of ${host}`)) };

describe("webhook address filter: IPv4 carried inside IPv6", () => {
  it.each(FORMS)("%s: refuses the loopback and private forms, accepts the public one, at URL check", async (_form, loopback, privateV4, publicV4) => {
    for (const address of [loopback, privateV4]) {
      const checked = await checkWebhookUrl(`http://[${address}]:9000/hook`, noDns);
      expect(checked, address).toMatchObject({ ok: false, code: "webhook_url_not_allowed" });
      expect(checked.ok || checked.message).toMatch(/carries the IPv4 address (127\.0\.0\.1|10\.|192\.168\.|169\.254\.)/);
    }
    expect(await checkWebhookUrl(`http://[${publicV4}]/hook`, noDns)).toMatchObject({ ok: true });
  });

  it.each(FORMS)("%s: refuses a host name resolving to the loopback form at URL check", async (_form, loopback) => {
    const checked = await checkWebhookUrl("https://rebind.example/hook", { allowPrivate: false, resolve: async () => [loopback] });
    expect(checked).toMatchObject({ ok: false, code: "webhook_url_not_allowed" });
    expect(checked.ok || checked.message).toContain(`rebind.example (${loopback})`);
  });

  describe("at delivery", () => {
    let receiver: HttpReceiver;
    /** Names a DNS stand-in answers with the embedded forms; everything else goes to the real resolver. */
    const names = new Map(FORMS.map(([, loopback], i) => [`form${i}.rebind.test`, loopback]));
    const resolve = ((hostname: string, options: { all?: boolean }, callback: (err: Error | null, addresses: LookupAddress[]) => void) => {
      const address = names.get(hostname);
      if (address) return callback(null, [{ address, family: 6 }]);
      return dnsLookup(hostname, { ...options, all: true }, callback);
    }) as unknown as typeof dnsLookup;
    let sender: WebhookSender;

    beforeAll(async () => {
      receiver = await startHttpReceiver();
      sender = new WebhookSender({ timeoutMs: 3000, allowPrivate: false, resolve });
    });
    afterAll(async () => {
      sender.close();
      await receiver.close();
    });

    it.each(FORMS)("%s: refuses the literal address before connecting", async (_form, loopback) => {
      const result = await sender.send({ url: `http://[${loopback}]:${receiver.port}/hook`, body: "{}", headers: {} });
      expect(result).toMatchObject({ ok: false, statusCode: null });
      expect(result.error).toMatch(/private, loopback or link-local address.*PRISM_WEBHOOK_ALLOW_PRIVATE=true/);
    });

    it.each(FORMS.map(([form], i) => [form, i] as const))("%s: refuses a host name that resolves to it at connect time", async (_form, i) => {
      const result = await sender.send({ url: `http://form${i}.rebind.test:${receiver.port}/hook`, body: "{}", headers: {} });
      expect(result).toMatchObject({ ok: false, statusCode: null });
      expect(result.error).toMatch(/form\d\.rebind\.test:\d+ resolves to a private, loopback or link-local address/);
    });

    it("still delivers when private addresses are allowed, and nothing above reached the receiver", async () => {
      const open = new WebhookSender({ timeoutMs: 3000, allowPrivate: true });
      try {
        expect(await open.send({ url: `http://localhost:${receiver.port}/ok`, body: "{}", headers: {} })).toMatchObject({ ok: true, statusCode: 200 });
      } finally {
        open.close();
      }
      expect(receiver.requests.map((r) => r.path)).toEqual(["/ok"]);
    });
  });
});
