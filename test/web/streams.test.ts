import { beforeEach, describe, expect, it } from "vitest";
import { usePrism } from "../support/lifecycle.js";
import type { TestPrism } from "../support/prism.js";
import { ARTIFACTS, logIn, useBrowser } from "./support.js";

/** The Streams and Destinations pages' settings, driven in Chromium and checked against the API. */
describe("dashboard stream settings in a real browser", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p));
  const { consoleErrors, newPage } = useBrowser();
  const base = () => `http://127.0.0.1:${t.prism.httpPort}`;
  const streamNamed = async (name: string) => ((await t.api("GET", "/api/v1/streams")).body as Array<{ id: string; name: string }>).find((s) => s.name === name);
  const revealKey = async (id: string) => (await t.api("POST", `/api/v1/streams/${id}/reveal-key`)).body.streamKey as string;

  beforeEach(() => {
    consoleErrors.length = 0;
  });

  it("rename, reveal and copy the key, rotate it with confirmation, slate settings with an uploaded image, encoding profile, delete", async () => {
    const page = await newPage({ width: 1280, height: 900 }, ["clipboard-read", "clipboard-write"]);
    await logIn(page, base() + "/", t.token);

    await page.getByLabel("New stream").fill("Morning show");
    await page.getByRole("button", { name: "Create stream" }).click();
    let card = page.locator("article.stream", { hasText: "Morning show" });
    await card.waitFor();
    const stream = (await streamNamed("Morning show"))!;

    // Rename: the form takes focus, Save writes it.
    await card.getByRole("button", { name: "Rename" }).click();
    await page.getByLabel("Stream name").fill("Evening show");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    card = page.locator("article.stream", { hasText: "Evening show" });
    await card.getByRole("heading", { name: /Evening show/ }).waitFor();
    expect((await t.api("GET", `/api/v1/streams/${stream.id}`)).body.name).toBe("Evening show");

    // The key: masked, shown on request, hidden again; Copy puts the real key on the clipboard either way.
    const key = await revealKey(stream.id);
    const shown = card.locator("code.key");
    expect(await shown.textContent()).not.toBe(key);
    await card.getByRole("button", { name: "Show stream key" }).click();
    await expect.poll(() => shown.textContent()).toBe(key);
    await card.getByRole("button", { name: "Show stream key" }).click();
    await expect.poll(() => shown.textContent()).not.toBe(key);
    expect(await card.getByRole("button", { name: "Show stream key" }).getAttribute("aria-pressed")).toBe("false");
    await card.getByRole("button", { name: "Copy stream key of Evening show" }).click();
    await card.getByRole("button", { name: "Copy stream key of Evening show" }).filter({ hasText: "Copied" }).waitFor();
    await expect.poll(() => page.evaluate("navigator.clipboard.readText()")).toBe(key);
    await card.getByRole("button", { name: "Copy server of Evening show" }).click();
    const ingestUrl = (await t.api("GET", `/api/v1/streams/${stream.id}`)).body.ingestUrl as string;
    await expect.poll(() => page.evaluate("navigator.clipboard.readText()")).toBe(ingestUrl);

    // Rotate: Cancel keeps the key; Yes makes a new one and shows it.
    await card.getByRole("button", { name: "Rotate key" }).click();
    const confirm = card.getByRole("group", { name: /Rotate the key\?/ });
    await confirm.getByRole("button", { name: "Cancel" }).click();
    expect(await revealKey(stream.id)).toBe(key);
    await card.getByRole("button", { name: "Rotate key" }).click();
    await confirm.getByRole("button", { name: "Yes" }).click();
    await expect.poll(() => revealKey(stream.id)).not.toBe(key);
    const rotated = await revealKey(stream.id);
    await expect.poll(() => shown.textContent()).toBe(rotated);

    // The backup key: its own row, shown and rotated on its own (the main key stays).
    const backupShown = card.locator("code.backup-key");
    const backupKey = (await t.api("POST", `/api/v1/streams/${stream.id}/reveal-key`)).body.backupStreamKey as string;
    expect(await backupShown.textContent()).toBe(`••••••••${backupKey.slice(-4)}`);
    await card.getByRole("button", { name: "Show backup stream key" }).click();
    await expect.poll(() => backupShown.textContent()).toBe(backupKey);
    await card.getByRole("button", { name: "Rotate backup key" }).click();
    await card.getByRole("group", { name: /Rotate the backup key\?/ }).getByRole("button", { name: "Yes" }).click();
    await expect.poll(async () => (await t.api("POST", `/api/v1/streams/${stream.id}/reveal-key`)).body.backupStreamKey).not.toBe(backupKey);
    expect(await revealKey(stream.id)).toBe(rotated);

    // Slate: longest break and an image of our own (a real PNG: a screenshot of this page), then back to the default.
    await card.locator("summary", { hasText: "Slate settings" }).click();
    const slate = card.getByRole("form", { name: "Slate settings of Evening show" });
    await slate.getByLabel(/Longest break/).fill("2");
    const png = await page.screenshot({ clip: { x: 0, y: 0, width: 320, height: 180 } });
    await slate.getByLabel(/Slate image/).setInputFiles({ name: "brb.png", mimeType: "image/png", buffer: png });
    await slate.getByRole("button", { name: "Save slate" }).click();
    await slate.getByText("Slate saved.").waitFor();
    expect((await t.api("GET", `/api/v1/streams/${stream.id}`)).body.slate).toEqual({ enabled: true, maxSeconds: 120, customImage: true });
    await card.getByText("up to 2 min").waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-stream-settings.png`, fullPage: true });
    // Not an image: the server's words come back next to the form.
    await slate.getByLabel(/Slate image/).setInputFiles({ name: "notes.png", mimeType: "image/png", buffer: Buffer.from("not a picture at all") });
    await slate.getByRole("button", { name: "Save slate" }).click();
    await slate.getByRole("alert").waitFor();
    await slate.getByLabel(/Slate image/).setInputFiles([]);
    await slate.getByRole("button", { name: "Use the default image" }).click();
    await expect.poll(async () => (await t.api("GET", `/api/v1/streams/${stream.id}`)).body.slate.customImage).toBe(false);
    // The switch turns the slate off at once.
    await card.getByRole("switch").uncheck();
    await expect.poll(async () => (await t.api("GET", `/api/v1/streams/${stream.id}`)).body.slate.enabled).toBe(false);

    // The title pushed to linked platforms; empty goes back to the stream's name.
    await card.locator("summary", { hasText: "Title on the platforms" }).click();
    const titleForm = card.getByRole("form", { name: "Title of Evening show" });
    await titleForm.getByLabel(/^Title/).fill("Evening speedrun: any% in under an hour");
    await titleForm.getByLabel("Description (platforms that show one)").fill("Route notes in the pinned comment.");
    await titleForm.getByRole("button", { name: "Save title" }).click();
    await titleForm.getByRole("status").waitFor();
    expect((await t.api("GET", `/api/v1/streams/${stream.id}`)).body).toMatchObject({ title: "Evening speedrun: any% in under an hour", description: "Route notes in the pinned comment." });
    await titleForm.getByLabel(/^Title/).fill("");
    await titleForm.getByRole("button", { name: "Save title" }).click();
    await expect.poll(async () => (await t.api("GET", `/api/v1/streams/${stream.id}`)).body.title).toBe(null);

    // Encoding of a destination: a profile, then "relay as is".
    const dest = (await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "custom", name: "Backup server", url: "rtmp://127.0.0.1:1/live", streamKey: "k" })).body;
    await card.getByRole("link", { name: /Destinations/ }).click();
    const destCard = page.locator('article[data-destination="Backup server"]');
    await destCard.locator("summary", { hasText: "Encoding" }).click();
    const encoding = destCard.getByRole("form", { name: "Encoding of Backup server" });
    await encoding.getByLabel("Re-encode to a profile").check();
    await encoding.getByLabel("Width (px)").fill("1280");
    await encoding.getByLabel("Height (px)").fill("720");
    await encoding.getByLabel("Video kbps").fill("2500");
    await encoding.getByRole("button", { name: "Save encoding" }).click();
    await destCard.getByText("re-encode: 1280×720, 2500 kbps").first().waitFor();
    expect((await t.api("GET", `/api/v1/streams/${stream.id}/destinations/${dest.id}`)).body.transcode).toEqual({ width: 1280, height: 720, videoKbps: 2500 });
    await encoding.getByLabel("Always relay as is").check();
    await encoding.getByRole("button", { name: "Save encoding" }).click();
    await expect.poll(async () => (await t.api("GET", `/api/v1/streams/${stream.id}/destinations/${dest.id}`)).body.transcode).toBe("copy");
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-destination-encoding.png`, fullPage: true });

    // Delete asks first; Yes removes the stream.
    await page.getByRole("link", { name: "Streams" }).first().click();
    card = page.locator("article.stream", { hasText: "Evening show" });
    await card.getByRole("button", { name: "Delete" }).click();
    await card.getByRole("group", { name: "Delete Evening show and its destinations?" }).getByRole("button", { name: "Yes" }).click();
    await card.waitFor({ state: "detached" });
    expect((await t.api("GET", `/api/v1/streams/${stream.id}`)).status).toBe(404);

    // The bad image above was answered 400, which Chrome logs; nothing else may be.
    expect(consoleErrors).toEqual([expect.stringMatching(/status of 400 \(Bad Request\) \(http:\/\/127\.0\.0\.1:\d+\/api\/v1\/streams\/[^/]+\)$/)]);
  });

  it("a session whose token was deleted goes back to the login form with a clear message, and logging in again carries on", async () => {
    const created = (await t.api("POST", "/api/v1/tokens", { name: "laptop", scopes: ["admin"] })).body as { id: string; token: string };
    const page = await newPage({ width: 375, height: 812 });
    await logIn(page, base() + "/#/webhooks", created.token, "Webhooks");
    // The page's own first loads finish first: one still in flight when the token goes would end the
    // session by itself (rightly), and the click below would find no nav left to click.
    await page.waitForLoadState("networkidle");

    expect((await t.api("DELETE", `/api/v1/tokens/${created.id}`)).status).toBe(204);
    await page.getByRole("link", { name: "Accounts" }).click();
    const notice = page.getByRole("alert").filter({ hasText: "Your session has ended" });
    await notice.waitFor();
    await page.getByLabel("API token").waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-session-ended-phone.png`, fullPage: true });

    // Opened again later (a reload, a new tab): the page says the same, not just an empty form.
    const other = (await t.api("POST", "/api/v1/tokens", { name: "phone", scopes: ["admin"] })).body as { id: string; token: string };
    await page.getByLabel("API token").fill(other.token);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { name: "Accounts" }).waitFor();
    expect(await notice.count()).toBe(0);
    expect((await t.api("DELETE", `/api/v1/tokens/${other.id}`)).status).toBe(204);
    await page.reload();
    await notice.waitFor();

    await page.getByLabel("API token").fill(t.token);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { name: "Accounts" }).waitFor();
    expect(await notice.count()).toBe(0);
    // Log out is no ended session: the form comes back without the message.
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByLabel("API token").waitFor();
    await page.reload();
    await page.getByLabel("API token").waitFor();
    expect(await notice.count()).toBe(0);

    // Refused requests are logged by Chrome as 401s (the page's own, or a background poll such as the alerts'
    // that fired after the token went); the page itself raised nothing.
    expect(consoleErrors.filter((e) => !/status of 401 \(Unauthorized\) \(http:\/\/127\.0\.0\.1:\d+\/api\/v1\/[a-z/-]+(\?[^)]*)?\)$/.test(e))).toEqual([]);
    expect(consoleErrors.length).toBeGreaterThan(0);
  });
});
