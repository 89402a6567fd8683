import { describe, expect, it } from "vitest";
import { checkWebhookUrl } from "../../src/webhooks/url-policy.js";
import { retryDelay } from "../../src/webhooks/retry.js";

const publicOnly = (addresses: Record<string, string[]>) => ({
  allowPrivate: false,
  resolve: async (host: string) => {
    const found = addresses[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return found;
  },
});

describe("webhook URL policy", () => {
  it("accepts public http(s) URLs and drops the fragment", async () => {
    const policy = publicOnly({ "hooks.zapier.com": ["54.86.1.2", "2600:1f18::1"] });
    expect(await checkWebhookUrl("https://hooks.zapier.com/hooks/catch/1/abc/#x", policy)).toEqual({ ok: true, url: "https://hooks.zapier.com/hooks/catch/1/abc/" });
    expect(await checkWebhookUrl("http://8.8.8.8:8080/in", policy)).toMatchObject({ ok: true });
  });

  it.each([
    ["ftp://example.com/x", /must start with https:\/\/ or http:\/\//],
    ["javascript:alert(1)", /must start with https:\/\/ or http:\/\//],
    ["not a url", /is not a URL/],
    ["https://user:pass@example.com/", /must not contain a user name or password/],
  ])("refuses %s as invalid", async (url, message) => {
    const result = await checkWebhookUrl(url, publicOnly({ "example.com": ["93.184.216.34"] }));
    expect(result).toMatchObject({ ok: false, code: "invalid_webhook_url" });
    expect(result.ok || result.message).toMatch(message);
  });

  it.each([
    ["http://127.0.0.1:9000/hook", "loopback"],
    ["http://[::1]/hook", "loopback"],
    ["http://10.1.2.3/hook", "private network"],
    ["http://172.16.0.1/hook", "private network"],
    ["http://192.168.1.10/hook", "private network"],
    ["http://169.254.169.254/latest/meta-data", "link-local"],
    ["http://[fe80::1]/hook", "link-local"],
    ["http://[fd00::1]/hook", "unique local"],
    ["http://0.0.0.0/hook", "unspecified"],
    ["http://[::ffff:127.0.0.1]/hook", "loopback"],
    ["http://100.64.0.1/hook", "carrier-grade NAT"],
  ])("refuses %s (%s) unless private addresses are allowed", async (url, range) => {
    const refused = await checkWebhookUrl(url, publicOnly({}));
    expect(refused).toMatchObject({ ok: false, code: "webhook_url_not_allowed" });
    expect(refused.ok || refused.message).toContain(range);
    expect(refused.ok || refused.message).toContain("PRISM_WEBHOOK_ALLOW_PRIVATE=true");
    expect(await checkWebhookUrl(url, { allowPrivate: true })).toMatchObject({ ok: true });
  });

  it("resolves host names and refuses one with any non-public address", async () => {
    const policy = publicOnly({ "sneaky.example": ["93.184.216.34", "10.0.0.5"], "localhost": ["127.0.0.1"] });
    const sneaky = await checkWebhookUrl("https://sneaky.example/hook", policy);
    expect(sneaky).toMatchObject({ ok: false, code: "webhook_url_not_allowed" });
    expect(sneaky.ok || sneaky.message).toContain("sneaky.example (10.0.0.5)");
    expect(await checkWebhookUrl("http://localhost:8080/", policy)).toMatchObject({ ok: false, code: "webhook_url_not_allowed" });
    expect(await checkWebhookUrl("https://nowhere.invalid/", policy)).toMatchObject({ ok: false, code: "webhook_url_unresolvable" });
  });
});

describe("webhook retry delay", () => {
  it("doubles from the initial delay up to the cap, within ±20 % jitter", () => {
    const policy = { initialMs: 5_000, maxMs: 3_600_000 };
    expect([1, 2, 3, 4].map((a) => retryDelay(policy, a, () => 0.5))).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(retryDelay(policy, 30, () => 0.5)).toBe(3_600_000);
    expect(retryDelay(policy, 1, () => 0)).toBe(4_000);
    expect(retryDelay(policy, 1, () => 1)).toBe(6_000);
  });

  it("retries about 30 times within the default 24 hours", () => {
    const policy = { initialMs: 5_000, maxMs: 3_600_000 };
    let elapsed = 0;
    let attempts = 1;
    while (elapsed + retryDelay(policy, attempts, () => 0.5) <= 86_400_000) elapsed += retryDelay(policy, attempts++, () => 0.5);
    expect(attempts).toBeGreaterThan(25);
    expect(attempts).toBeLessThan(35);
  });
});
