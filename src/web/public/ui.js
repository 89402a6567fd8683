// Small pieces every page uses: loading, async buttons with confirmation, copy buttons, errors in words.
import { useEffect, useState } from "preact/hooks";
import { html, copyText } from "./api.js";

/** Load once (and again on reload()); errors shown in words. */
export function useLoad(load, deps = []) {
  const [state, setState] = useState({ data: undefined, error: "" });
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    load().then((data) => live && setState({ data, error: "" }), (err) => live && setState({ data: undefined, error: err.message }));
    return () => (live = false);
  }, [...deps, n]);
  return [state.data, state.error, () => setN((x) => x + 1)];
}

/** A button that runs an async action, disables itself meanwhile and reports failures next to it. */
export function Action({ run, children, className = "", label, confirm }) {
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState("");
  async function go() {
    setBusy(true);
    setError("");
    try {
      await run();
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
      setAsking(false);
    }
  }
  if (asking) {
    return html`<span class="confirm" role="group" aria-label=${confirm}>
      <span>${confirm}</span>
      <button type="button" class="danger" onClick=${go} disabled=${busy}>Yes</button>
      <button type="button" onClick=${() => setAsking(false)} ref=${(el) => el?.focus()}>Cancel</button>
    </span>`;
  }
  return html`<span class="action">
    <button type="button" class=${className} aria-label=${label} onClick=${() => (confirm ? setAsking(true) : go())} disabled=${busy}>${children}</button>
    ${error && html`<span class="error" role="alert">${error}</span>`}
  </span>`;
}

export function CopyButton({ text, label }) {
  const [done, setDone] = useState(false);
  return html`<button type="button" aria-label=${label} onClick=${async () => {
    const value = typeof text === "function" ? await text() : text;
    setDone(await copyText(value));
    setTimeout(() => setDone(false), 1500);
  }}>${done ? "Copied" : "Copy"}</button>`;
}

export const Err = ({ error }) => (error ? html`<p class="error" role="alert">${error}</p>` : null);

/** A date and time in the user's own locale and time zone (the browser's languages), e.g. 06/12/2026, 14:05:09. */
const TIME = new Intl.DateTimeFormat(navigator.languages, { dateStyle: "short", timeStyle: "medium" });
export const formatTime = (iso) => TIME.format(new Date(iso));
