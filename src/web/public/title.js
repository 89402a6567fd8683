// The title (and description) Prism pushes at go-live to linked destinations whose platform takes them.
import { useState } from "preact/hooks";
import { html, api } from "./api.js";
import { Err } from "./ui.js";

export function TitleSettings({ stream, reload }) {
  const [title, setTitle] = useState(stream.title ?? "");
  const [description, setDescription] = useState(stream.description ?? "");
  const [error, setError] = useState("");
  const [saved, setSaved] = useState("");
  const ids = { title: `title-in-${stream.id}`, description: `desc-in-${stream.id}` };
  async function save(e) {
    e.preventDefault();
    setError("");
    setSaved("");
    try {
      // Empty means "use the stream's name" (title) or "none" (description): the API's null.
      await api("PATCH", `/streams/${stream.id}`, { title: title.trim() || null, description: description.trim() || null });
      setSaved("Saved: linked destinations whose platform takes a title get it at the next go-live.");
      reload();
    } catch (err) {
      setError(err.message);
    }
  }
  return html`<details class="settings">
    <summary>Title on the platforms <span class="hint">(${stream.title ?? `the name: ${stream.name}`})</span></summary>
    <form onSubmit=${save} aria-label=${`Title of ${stream.name}`}>
      <label for=${ids.title}>Title (empty: the stream's name)</label>
      <input id=${ids.title} maxlength="140" value=${title} onInput=${(e) => setTitle(e.currentTarget.value)} />
      <label for=${ids.description}>Description (platforms that show one)</label>
      <textarea id=${ids.description} maxlength="5000" rows="3" value=${description} onInput=${(e) => setDescription(e.currentTarget.value)}></textarea>
      <${Err} error=${error} />
      ${saved && html`<p class="notice-line" role="status">${saved}</p>`}
      <button type="submit">Save title</button>
    </form>
  </details>`;
}
