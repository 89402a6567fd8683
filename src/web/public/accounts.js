// Linked platform accounts: connect through each platform's consent page, reconnect, disconnect.
import { useEffect } from "preact/hooks";
import { html, api } from "./api.js";
import { useLoad, Action, Err } from "./ui.js";
import { Guard, ScopeNotice } from "./scope.js";

export function AccountsPage({ notice }) {
  const [platforms, pError] = useLoad(() => api("GET", "/accounts/platforms"));
  const [accounts, aError, reload] = useLoad(() => api("GET", "/accounts"));
  // A refresh the platform refuses in the background turns an account to needs_reconnect: look again now and then.
  useEffect(() => {
    const timer = setInterval(reload, 30_000);
    addEventListener("focus", reload);
    return () => {
      clearInterval(timer);
      removeEventListener("focus", reload);
    };
  }, []);
  async function connect(platform) {
    const answer = await api("POST", `/accounts/${platform}/connect`);
    location.assign(answer.authorizeUrl);
  }
  return html`
    <h1>Accounts</h1>
    <${ScopeNotice} />
    <p class="hint">Linked accounts let Prism fetch each platform's ingest URL and key at every go-live, set titles and read chat.</p>
    ${notice && html`<p class=${`card ${notice.ok ? "notice" : "error"}`} role="status">${notice.text}</p>`}
    <${Err} error=${pError || aError} />
    <ul class="cards">
      ${platforms?.map((p) => {
        const linked = accounts?.filter((a) => a.platform === p.platform) ?? [];
        return html`<li key=${p.platform}><article class="card" aria-labelledby=${`pf-${p.platform}`}>
          <div class="row spread">
            <h2 id=${`pf-${p.platform}`}>${p.displayName}</h2>
            ${p.configured
              ? html`<${Guard} className="inline"><${Action} className="primary" run=${() => connect(p.platform)}>${linked.length ? "Connect another" : "Connect"}</${Action}></${Guard}>`
              : html`<span class="hint">Set PRISM_${p.platform.toUpperCase()}_CLIENT_ID and _CLIENT_SECRET to connect (redirect URI <code>${p.redirectUri}</code>).</span>`}
          </div>
          ${linked.length === 0 && html`<p class="empty">Not connected.</p>`}
          <ul class="accounts">
            ${linked.map((a) => html`<li key=${a.id} class=${a.status === "needs_reconnect" ? "needs-reconnect" : ""}>
              <strong>${a.displayName}</strong>
              ${a.status === "needs_reconnect"
                ? html`<span class="badge failed">needs reconnect</span> <span class="hint">${a.statusReason ?? ""}</span>
                    <${Guard} className="inline"><${Action} className="primary" run=${() => connect(a.platform)}>Reconnect</${Action}></${Guard}>`
                : html`<span class="badge live">connected</span>`}
              <${Guard} className="inline"><${Action} className="danger" confirm=${`Disconnect ${a.displayName}?`} run=${async () => {
                await api("DELETE", `/accounts/${a.id}`);
                reload();
              }}>Disconnect</${Action}></${Guard}>
            </li>`)}
          </ul>
        </article></li>`;
      })}
    </ul>`;
}
