// The overlay page: one self-contained document (inline CSS and JS, platform marks as text), because
// OBS may run on a machine without internet and a CDN would be one more thing to fail on air.
import { allPlatforms } from "../platform-examples.js";
import { platformInfo } from "./platforms.js";

/** Each platform's badge, from the registry: its mark and colour. */
const BADGES = JSON.stringify(Object.fromEntries(allPlatforms.map(platformInfo).map((p) => [p.id, { mark: p.mark, color: p.color }])));

// Inline, and allowed by the page's CSP by their hashes (src/api/security-headers.ts): the hash is
// taken over exactly these strings, so they are kept apart from the document around them.
export const OVERLAY_STYLE = `
  html, body { margin: 0; height: 100%; background: transparent; overflow: hidden; }
  body { font: 600 20px/1.35 system-ui, "Segoe UI", Roboto, sans-serif; color: #fff; text-shadow: 0 1px 2px #000, 0 0 4px #000; }
  #chat { position: absolute; left: 0; right: 0; bottom: 0; padding: 8px 12px; display: flex; flex-direction: column; gap: 6px; }
  .msg { display: flex; align-items: baseline; gap: 8px; transition: opacity 1.5s ease; overflow-wrap: anywhere; }
  .msg.old { opacity: 0; }
  .icon { flex: none; display: inline-block; min-width: 22px; padding: 0 4px; border-radius: 4px; font-size: 12px; line-height: 20px; text-align: center; text-shadow: none; color: #fff; background: #555; border: 1px solid rgba(255, 255, 255, 0.6); }
  .name { flex: none; }
  .text { font-weight: 500; }
  .msg.engagement { padding: 4px 8px; border-radius: 6px; background: rgba(245, 179, 1, 0.35); border-left: 4px solid #f5b301; }
  .msg.kind-membership { background: rgba(43, 166, 64, 0.35); border-left-color: #2ba640; }
  .msg.kind-raid { background: rgba(138, 92, 246, 0.4); border-left-color: #8a5cf6; }
  .amount { flex: none; font-weight: 800; color: #ffd54a; }
`;

export const OVERLAY_SCRIPT = `
(() => {
  const KEEP = 40, FADE_AFTER_MS = 60000;
  const badges = ${BADGES};
  const chat = document.getElementById("chat");
  const safeColor = (c) => (typeof c === "string" && /^#[0-9a-fA-F]{3,8}$/.test(c) ? c : null);
  const hue = (s) => { let h = 0; for (const ch of s) h = (h * 31 + ch.charCodeAt(0)) >>> 0; return "hsl(" + (h % 360) + ", 80%, 70%)"; };
  const money = (a) => {
    if (a.currency === "BITS") return a.value + " bits";
    try { return new Intl.NumberFormat(undefined, { style: "currency", currency: a.currency }).format(a.value); } catch { return a.value + " " + a.currency; }
  };
  const add = (m) => {
    const row = document.createElement("div");
    const kind = m.kind && m.kind !== "message" ? m.kind : null;
    row.className = kind ? "msg engagement kind-" + kind : "msg";
    row.dataset.id = m.id;
    row.dataset.kind = m.kind || "message";
    const icon = document.createElement("span");
    const badge = badges[m.platform];
    icon.className = "icon";
    if (badge && badge.color) icon.style.background = badge.color;
    icon.textContent = badge ? badge.mark : m.platform.slice(0, 2).toUpperCase();
    icon.title = m.platform;
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = m.author.name + ":";
    name.style.color = safeColor(m.author.color) || hue(m.platform + m.author.id);
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = m.text;
    row.append(icon, name);
    if (m.amount) {
      const amount = document.createElement("span");
      amount.className = "amount";
      amount.textContent = money(m.amount);
      row.append(amount);
    }
    row.append(text);
    chat.append(row);
    while (chat.children.length > KEEP) chat.firstElementChild.remove();
    setTimeout(() => row.classList.add("old"), FADE_AFTER_MS);
  };
  // The feed lives next to this page: same token, read-only, this stream only.
  // The last minute's newest few first (the server picks them by its clock, not this machine's), so a
  // reloaded source is not blank; EventSource resumes with Last-Event-ID after that.
  const feed = new EventSource(location.pathname.replace(/\\/$/, "") + "/feed?recent=20");
  feed.addEventListener("comment", (e) => add(JSON.parse(e.data)));
  feed.addEventListener("removed", (e) => {
    for (const id of JSON.parse(e.data).ids) chat.querySelector('[data-id="' + CSS.escape(id) + '"]')?.remove();
  });
})();
`;

export const OVERLAY_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Prism chat overlay</title>
<style>${OVERLAY_STYLE}</style>
</head>
<body>
<div id="chat" aria-live="polite"></div>
<script>${OVERLAY_SCRIPT}</script>
</body>
</html>
`;
