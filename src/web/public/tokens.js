// API tokens: the named ones (list, create with scopes, delete) and rotating the admin token.
import { useState } from "preact/hooks";
import { html, api } from "./api.js";
import { useLoad, Action, CopyButton, Err, formatTime } from "./ui.js";
import { Guard, useDenied } from "./scope.js";

const SCOPES = [
  ["read", "read: every GET (dashboards, monitoring)"],
  ["write", "write: every change (implies read)"],
  ["admin", "admin: token management (implies write)"],
  ["moderate", "moderate: a chat moderator (chat and reading streams only)"],
];

export function TokensPage() {
  const denied = useDenied("admin");
  const [tokens, error, reload] = useLoad(() => (denied ? Promise.resolve(null) : api("GET", "/tokens")), [denied]);
  const [shown, setShown] = useState(null);
  return html`
    <h1>API tokens</h1>
    ${denied && html`<p class="card notice scope-notice" role="note">${denied}</p>`}
    <${Err} error=${error} />
    ${shown && html`<p class="card notice" role="status">${shown.what}, shown only now: <code class="secret">${shown.token}</code> <${CopyButton} text=${shown.token} label="Copy the new token" /></p>`}
    ${tokens?.length === 0 && html`<p class="empty">No named token yet: the admin token is the only one.</p>`}
    ${tokens?.length > 0 &&
    html`<table class="tokens">
      <caption class="sr-only">Named tokens</caption>
      <thead><tr><th>Name</th><th>Scopes</th><th>Ends in</th><th>Created</th><th>Last used</th><th></th></tr></thead>
      <tbody>
        ${tokens.map((t) => html`<tr key=${t.id}>
          <td>${t.name}</td>
          <td>${t.scopes.map((s) => html`<span class="tag">${s}</span>`)}</td>
          <td><code>…${t.hint}</code></td>
          <td>${formatTime(t.createdAt)}</td>
          <td>${t.lastUsedAt ? formatTime(t.lastUsedAt) : "never"}</td>
          <td><${Guard} scope="admin"><${Action} className="danger" label=${`Delete token ${t.name}`} confirm=${`Delete ${t.name}? What uses it stops working.`} run=${async () => {
            await api("DELETE", `/tokens/${t.id}`);
            reload();
          }}>Delete</${Action}></${Guard}></td>
        </tr>`)}
      </tbody>
    </table>`}
    <${CreateToken} onCreated=${(t) => (setShown({ what: `Token "${t.name}" created; the token itself`, token: t.token }), reload())} />
    <section class="card" aria-labelledby="admin-token-title">
      <h2 id="admin-token-title">Admin token</h2>
      <p class="hint">Rotating makes a new admin token and stops the old one at once (also in <code>${"<data dir>/api-token"}</code>). A dashboard logged in with the old one is logged out.</p>
      <${Guard} scope="admin">
        <${Action} className="danger" confirm="Rotate the admin token? The old one stops working now." run=${async () => {
          const { token } = await api("POST", "/tokens/admin/rotate");
          setShown({ what: "The new admin token", token });
        }}>Rotate admin token</${Action}>
      </${Guard}>
    </section>`;
}

function CreateToken({ onCreated }) {
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState(["read"]);
  const [error, setError] = useState("");
  const toggle = (scope) => (e) => setScopes(e.currentTarget.checked ? [...scopes, scope] : scopes.filter((s) => s !== scope));
  async function submit(e) {
    e.preventDefault();
    setError("");
    try {
      const created = await api("POST", "/tokens", { name, scopes });
      setName("");
      onCreated(created);
    } catch (err) {
      setError(err.message);
    }
  }
  return html`<form class="card add" onSubmit=${submit} aria-labelledby="new-token-title">
    <h2 id="new-token-title">Create a token</h2>
    <${Guard} scope="admin">
      <label for="token-name">Name</label>
      <input id="token-name" required maxlength="100" value=${name} onInput=${(e) => setName(e.currentTarget.value)} placeholder="e.g. grafana" />
      <fieldset class="scopes">
        <legend>Scopes</legend>
        ${SCOPES.map(([scope, words]) => html`<label key=${scope}><input type="checkbox" name="scope" value=${scope} checked=${scopes.includes(scope)} onChange=${toggle(scope)} /> ${words}</label>`)}
      </fieldset>
      <${Err} error=${error} />
      <button type="submit" class="primary">Create token</button>
    </${Guard}>
  </form>`;
}
