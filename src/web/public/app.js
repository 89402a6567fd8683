// The Prism dashboard: login, navigation and the hash router. Each page lives in its own module.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { html, call, onLoggedOut } from "./api.js";
import { StreamsPage } from "./streams.js";
import { StreamPage } from "./destinations.js";
import { AccountsPage } from "./accounts.js";
import { WebhooksPage } from "./webhooks.js";
import { ChatPage } from "./chat.js";
import { SessionsPage } from "./sessions.js";
import { MediaPage } from "./media.js";
import { EventsPage } from "./events.js";
import { TokensPage } from "./tokens.js";
import { EventLogPage } from "./event-log.js";
import { Session } from "./scope.js";
import { RecordingsPage } from "./recordings.js";
import { platformName } from "./platforms.js";
import { Alerts } from "./alerts.js";

/** Back from a platform's consent page, Prism's OAuth callback lands on /?account_linked=… or /?account_error=…: show it on Accounts. */
const returned = new URLSearchParams(location.search);
export const oauthReturn = returned.has("account_linked")
  ? { ok: true, text: `${returned.get("account_linked")} account connected.` }
  : returned.get("account_error") === "access_denied"
    ? { ok: false, text: `You cancelled linking ${platformName(returned.get("platform") ?? "") || "the account"}; nothing was changed. Connect it again whenever you like.` }
    : returned.has("account_error")
      ? { ok: false, text: `Connecting ${returned.get("platform") ?? "the account"} did not work (${returned.get("account_error")}). Try again.` }
      : null;
if (oauthReturn) {
  history.replaceState(null, "", "/#/accounts");
}

function useRoute() {
  const [hash, setHash] = useState(location.hash || "#/streams");
  useEffect(() => {
    const on = () => setHash(location.hash || "#/streams");
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return hash.slice(1).split("/").filter(Boolean);
}

/** Said on the login form when a session ends under the page (token deleted or rotated, cookie expired). */
const SESSION_ENDED = "Your session has ended: the API token it used was deleted or rotated, or the login expired. Log in again to carry on where you were.";

function Login({ onLogin, notice }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      onLogin(await call("POST", "/session", { token }));
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }
  return html`
    <main class="login">
      <h1><span class="logo" aria-hidden="true">◆</span> Prism</h1>
      ${notice && html`<p class="notice" role="alert">${notice}</p>`}
      <form onSubmit=${submit} class="card">
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required value=${token} onInput=${(e) => setToken(e.currentTarget.value)} />
        <p class="hint">Prism prints the admin token when it starts and keeps it in <code>${"<data dir>/api-token"}</code>; <code>prism token create</code> makes named ones.</p>
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <button type="submit" class="primary" disabled=${busy}>Log in</button>
      </form>
    </main>`;
}

const NAV = [
  ["streams", "Streams"],
  ["events", "Events"],
  ["accounts", "Accounts"],
  ["media", "Videos"],
  ["webhooks", "Webhooks"],
  ["chat", "Chat"],
  ["recordings", "Recordings"],
  ["sessions", "Sessions"],
  ["tokens", "Tokens"],
  ["log", "Event log"],
];

function App() {
  const [who, setWho] = useState(undefined);
  const [ended, setEnded] = useState("");
  const route = useRoute();
  useEffect(() => {
    call("GET", "/session").then(
      (s) => {
        // The CSRF cookie outlives a session that ended elsewhere (Log out removes both): say why the form is back.
        if (!s.loggedIn && /(?:^|;\s*)prism_csrf=/.test(document.cookie)) setEnded(SESSION_ENDED);
        setWho(s.loggedIn ? s : null);
      },
      () => setWho(null),
    );
    const out = () => {
      setWho(null);
      setEnded(SESSION_ENDED);
    };
    onLoggedOut.addEventListener("logout", out);
    return () => onLoggedOut.removeEventListener("logout", out);
  }, []);
  if (who === undefined) return html`<p class="loading">Loading Prism…</p>`;
  if (who === null) return html`<${Login} notice=${ended} onLogin=${(s) => (setEnded(""), setWho(s))} />`;

  async function logout() {
    await call("DELETE", "/session").catch(() => {});
    setWho(null);
  }
  // A moderate-only login reaches the chat (and reading streams) and nothing else: it sees the Chat page only.
  const moderator = who.scopes.includes("moderate") && !who.scopes.some((s) => s === "read" || s === "write" || s === "admin");
  const nav = moderator ? NAV.filter(([key]) => key === "chat") : NAV;
  const [section, id] = moderator ? ["chat", route[0] === "chat" ? route[1] : undefined] : route;
  let page;
  if (section === "streams" && id) page = html`<${StreamPage} id=${id} key=${id} />`;
  else if (section === "events") page = html`<${EventsPage} id=${id} key=${id ?? ""} />`;
  else if (section === "accounts") page = html`<${AccountsPage} notice=${oauthReturn} />`;
  else if (section === "webhooks") page = html`<${WebhooksPage} />`;
  else if (section === "sessions") page = html`<${SessionsPage} streamId=${id} sessionId=${route[2]} key=${route.join("/")} />`;
  else if (section === "media") page = html`<${MediaPage} />`;
  else if (section === "tokens") page = html`<${TokensPage} />`;
  else if (section === "log") page = html`<${EventLogPage} />`;
  else if (section === "recordings") page = html`<${RecordingsPage} id=${id} key=${id ?? ""} />`;
  else if (section === "chat") page = html`<${ChatPage} id=${id} key=${id ?? ""} moderator=${moderator} />`;
  else page = html`<${StreamsPage} />`;
  const current = section || "streams";
  const home = moderator ? "#/chat" : "#/streams";
  return html`<${Session.Provider} value=${who}>
    <header class="top">
      <a class="brand" href=${home}><span class="logo" aria-hidden="true">◆</span> Prism</a>
      <nav aria-label="Sections">
        ${nav.map(([key, label]) => html`<a href=${`#/${key}`} aria-current=${current === key ? "page" : undefined}>${label}</a>`)}
      </nav>
      <div class="who">${!moderator && html`<${Alerts} />`} <span title=${who.scopes.join(", ")}>${who.name}</span> <button type="button" class="link" onClick=${logout}>Log out</button></div>
    </header>
    <main class="page">${page}</main>
  </${Session.Provider}>`;
}

render(html`<${App} />`, document.getElementById("app"));
