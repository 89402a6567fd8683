// Where an X destination's chat comes from: the replies to the announcement post (pasted, or posted by
// Prism at go-live), or, with X Enterprise, a broadcast's chat. Without one of them Prism reads no X chat.
import { useEffect, useState } from "preact/hooks";
// Served at /assets/platforms/x/panel.js (its adapter's `dashboardPanel`): the dashboard's modules by absolute path.
import { html, api } from "/assets/api.js";
import { Err } from "/assets/ui.js";

/** X's limit for a post; the API refuses longer announcements. */
const ANNOUNCE_MAX = 280;

/** Which field an API validation issue is about (its path, as the API names it). */
function fieldOf(path) {
  if (path === "x.announcementPost") return "post";
  if (path === "x.announce" || path.startsWith("x.announce.")) return "announce";
  if (path === "x.broadcastId") return "broadcast";
  return "";
}

/** The API's validation issues sorted by field; anything else stays a message for the whole form. */
function splitErrors(err) {
  const fields = {};
  const rest = [];
  const issues = Array.isArray(err.details?.issues) ? err.details.issues : [];
  for (const issue of issues) {
    const field = fieldOf(issue.path ?? "");
    if (field) fields[field] = fields[field] ? `${fields[field]}; ${issue.message}` : issue.message;
    else rest.push(issue.path ? `${issue.path}: ${issue.message}` : issue.message);
  }
  const general = issues.length === 0 ? err.message : rest.join("; ");
  return { fields, general };
}

function describe(x) {
  if (x.broadcastId) return `X Enterprise broadcast ${x.broadcastId}`;
  if (x.announce) return "Prism posts the announcement at go-live";
  if (x.announcementPostId) return "replies to the announcement post";
  return "not set: Prism reads no X chat";
}

function FieldError({ id, error }) {
  return error ? html`<p class="error field-error" id=${id} role="alert">${error}</p>` : null;
}

/** What the dashboard shows on an X destination's card (destinations.js loads it for any platform that has one). */
export function Panel({ streamId, dest, onSaved }) {
  if (!(dest.accountId && dest.x)) {
    return html`<p class="hint">X chat: add this destination from a linked X account (Accounts page) so Prism can read the replies to your announcement post.</p>`;
  }
  return html`<${XChatSettings} streamId=${streamId} dest=${dest} onSaved=${onSaved} />`;
}

function XChatSettings({ streamId, dest, onSaved }) {
  const [x, setX] = useState(dest.x);
  useEffect(() => setX(dest.x), [JSON.stringify(dest.x)]);
  const [mode, setMode] = useState(dest.x.announce ? "announce" : "post");
  const [post, setPost] = useState(dest.x.announcementPostUrl ?? "");
  const [text, setText] = useState(dest.x.announce?.text ?? "");
  const [broadcast, setBroadcast] = useState(dest.x.broadcastId ?? "");
  const [errors, setErrors] = useState({ fields: {}, general: "" });
  const [saved, setSaved] = useState("");
  const [busy, setBusy] = useState(false);
  const id = (what) => `x-${what}-${dest.id}`;
  // Open at first while nothing is set (no X chat without it); then the streamer opens and closes it.
  const [open, setOpen] = useState(!(dest.x.announcementPostId || dest.x.announce || dest.x.broadcastId));
  const [enterpriseOpen, setEnterpriseOpen] = useState(Boolean(dest.x.broadcastId));

  async function save(e) {
    e.preventDefault();
    setErrors({ fields: {}, general: "" });
    setSaved("");
    const body =
      mode === "announce"
        ? { announce: { text }, broadcastId: broadcast.trim() || null }
        : { announcementPost: post.trim() || null, announce: null, broadcastId: broadcast.trim() || null };
    setBusy(true);
    try {
      const updated = await api("PATCH", `/streams/${streamId}/destinations/${dest.id}`, { x: body });
      setX(updated.x);
      if (mode === "post") setPost(updated.x.announcementPostUrl ?? "");
      setSaved(
        updated.x.broadcastId
          ? "Saved: Prism takes this broadcast's chat from X's webhook."
          : mode === "announce"
            ? "Saved: Prism posts the announcement at the next go-live and reads the replies to it."
            : updated.x.announcementPostId
              ? "Saved: Prism reads the replies to this post (while live, from its next look at X)."
              : "Saved: no announcement post, so Prism reads no X chat.",
      );
      onSaved(updated);
    } catch (err) {
      const found = splitErrors(err);
      if (found.fields.broadcast) setEnterpriseOpen(true);
      setErrors(found);
    } finally {
      setBusy(false);
    }
  }

  const described = (field, hint) => [errors.fields[field] ? id(`${field}-error`) : "", hint ? id(`${field}-hint`) : ""].filter(Boolean).join(" ") || undefined;
  const postLink = x.announcementPostUrl && html`<a href=${x.announcementPostUrl} target="_blank" rel="noopener noreferrer">the post ${x.announcementPostId}</a>`;

  return html`<details class="settings x-chat" open=${open} onToggle=${(e) => setOpen(e.currentTarget.open)}>
    <summary>X chat <span class="hint">(${describe(x)})</span></summary>
    <form onSubmit=${save} aria-label=${`X chat of ${dest.name}`}>
      <p class="hint">X has no public live chat: Prism reads the replies to the post announcing your stream.</p>
      <fieldset>
        <legend class="sr-only">Where the X chat comes from</legend>
        <label><input type="radio" name=${id("mode")} checked=${mode === "post"} onChange=${() => setMode("post")} /> I post the announcement and paste its address</label><br />
        <label><input type="radio" name=${id("mode")} checked=${mode === "announce"} onChange=${() => setMode("announce")} /> Post an announcement when I go live</label>
      </fieldset>
      ${mode === "post" &&
      html`<label for=${id("post")}>Announcement post (its address or id)</label>
        <input
          id=${id("post")}
          inputmode="url"
          autocomplete="off"
          spellcheck="false"
          maxlength="2048"
          placeholder="https://x.com/you/status/1861000000000000001"
          value=${post}
          onInput=${(e) => setPost(e.currentTarget.value)}
          aria-invalid=${errors.fields.post ? "true" : undefined}
          aria-describedby=${described("post", true)}
        />
        <${FieldError} id=${id("post-error")} error=${errors.fields.post} />
        <p class="hint" id=${id("post-hint")}>Copy it from the address bar of your post on x.com. You can change it while live; empty: no X chat.</p>`}
      ${mode === "announce" &&
      html`<label for=${id("announce")}>Announcement text</label>
        <textarea
          id=${id("announce")}
          rows="3"
          maxlength=${ANNOUNCE_MAX}
          value=${text}
          onInput=${(e) => setText(e.currentTarget.value)}
          aria-invalid=${errors.fields.announce ? "true" : undefined}
          aria-describedby=${described("announce", true)}
        ></textarea>
        <${FieldError} id=${id("announce-error")} error=${errors.fields.announce} />
        <p class="hint" id=${id("announce-hint")}>${text.length}/${ANNOUNCE_MAX} characters. Prism posts it through the linked X account at every go-live and reads the replies to it.</p>`}
      ${postLink && html`<p class="x-post">Reading the replies to ${postLink}</p>`}
      <details class="enterprise" open=${enterpriseOpen} onToggle=${(e) => setEnterpriseOpen(e.currentTarget.open)}>
        <summary>X Enterprise</summary>
        <div class="enterprise-body">
        <label for=${id("broadcast")}>Broadcast id (optional)</label>
        <input
          id=${id("broadcast")}
          autocomplete="off"
          spellcheck="false"
          maxlength="13"
          placeholder="1mGPaZaAdNqJN"
          value=${broadcast}
          onInput=${(e) => setBroadcast(e.currentTarget.value)}
          aria-invalid=${errors.fields.broadcast ? "true" : undefined}
          aria-describedby=${described("broadcast", true)}
        />
        <${FieldError} id=${id("broadcast-error")} error=${errors.fields.broadcast} />
        <p class="hint" id=${id("broadcast-hint")}>Only with X's Enterprise Livestream API: the id in x.com/i/broadcasts/${"<id>"}. Prism then takes that broadcast's chat from X's webhook instead of replies.</p>
        </div>
      </details>
      <${Err} error=${errors.general} />
      ${saved && html`<p class="notice-line" role="status">${saved}</p>`}
      <button type="submit" disabled=${busy}>Save X chat</button>
    </form>
  </details>`;
}
