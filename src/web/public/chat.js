// Chat: the merged feed of every platform, live over SSE, with hide and block on each message.
import { useEffect, useRef, useState } from "preact/hooks";
import { html, api, openFeed } from "./api.js";
import { useLoad, Action, Err } from "./ui.js";
import { Guard } from "./scope.js";
import { SendBox, FiltersPanel, BlocksPanel } from "./chat-tools.js";
import { OverlayPanel } from "./overlay-panel.js";
import { ChatModesPanel } from "./chat-modes.js";
import { PlatformMark, platformName } from "./platforms.js";

/** Messages kept on the page: a phone watching a busy chat for hours must not grow without end. */
const KEEP = 300;

// Platforms send any colour (some let viewers pick theirs); only plain hex reaches the style attribute.
const hexColor = (c) => (typeof c === "string" && /^#[0-9a-fA-F]{3,8}$/.test(c) ? c : null);
function authorColor(m) {
  const own = hexColor(m.author.color);
  if (own) return own;
  let h = 0;
  for (const ch of m.platform + m.author.id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `hsl(${h % 360} 70% 42%)`;
}

/** `moderator`: a moderate-scope login, which reaches the chat but not destinations or the overlay token. */
export function ChatPage({ id, moderator = false }) {
  return id ? html`<${StreamChat} id=${id} moderator=${moderator} />` : html`<${ChatStreamPicker} moderator=${moderator} />`;
}

function ChatStreamPicker({ moderator }) {
  const [streams, error] = useLoad(() => api("GET", "/streams"));
  useEffect(() => {
    // One stream is the usual case: go straight to its chat.
    if (streams?.length === 1) location.replace(`#/chat/${streams[0].id}`);
  }, [streams]);
  return html`<h1>Chat</h1>
    <${Err} error=${error} />
    ${streams?.length === 0 && (moderator ? html`<p class="empty">No stream yet: the streamer has not created one.</p>` : html`<p class="empty">No stream yet: create one on the <a href="#/streams">Streams</a> page.</p>`)}
    <ul class="cards">${streams?.map((s) => html`<li key=${s.id}><a class="card button" href=${`#/chat/${s.id}`}>Chat of ${s.name}</a></li>`)}</ul>`;
}

/**
 * The history is fetched each time the feed (re)opens: Prism subscribes the feed before it answers
 * with headers, so a message that arrives in between is in one or the other (or both: deduplicated
 * by id); a removal that overtakes the history is remembered. Fetching only alongside the first
 * request lost a message that landed after the history was read but before the feed was subscribed,
 * and a reconnect before any message (no Last-Event-ID to replay from) lost the gap.
 */
function useChatFeed(streamId) {
  const [messages, setMessages] = useState([]);
  const [connected, setConnected] = useState(false);
  const [error, setError] = useState("");
  const remove = useRef(() => {});
  useEffect(() => {
    const byId = new Map();
    const gone = new Set();
    let timer = null;
    // Many messages in one burst render once.
    const render = () => {
      timer ??= setTimeout(() => {
        timer = null;
        const sorted = [...byId.values()].sort((a, b) => a.seq - b.seq);
        for (const old of sorted.splice(0, Math.max(0, sorted.length - KEEP))) byId.delete(old.id);
        setMessages(sorted);
      }, 30);
    };
    const add = (c) => {
      if (!c.hidden && !c.flagged && !gone.has(c.id)) byId.set(c.id, c);
    };
    remove.current = (ids) => {
      for (const id of ids) {
        gone.add(id);
        byId.delete(id);
      }
      render();
    };
    const loadHistory = () =>
      api("GET", `/streams/${streamId}/comments?limit=100`).then(
        (page) => (setError(""), page.comments.forEach(add), render()),
        (err) => setError(err.message),
      );
    const source = openFeed(`/api/v1/streams/${streamId}/comments/stream`, {
      comment: (c) => (add(c), render()),
      removed: ({ ids }) => remove.current(ids),
    }, {
      onState: (open) => {
        setConnected(open);
        if (open) void loadHistory();
      },
    });
    return () => {
      source.close();
      clearTimeout(timer);
    };
  }, [streamId]);
  return { messages, connected, error, remove: (ids) => remove.current(ids) };
}

/** Keeps the newest message in view unless the reader scrolled up to read older ones. */
function useStickToBottom(ref, deps) {
  const atBottom = useRef(true);
  useEffect(() => {
    const el = ref.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, deps);
  return () => {
    const el = ref.current;
    atBottom.current = !el || el.scrollHeight - el.scrollTop - el.clientHeight < 40;
  };
}

function StreamChat({ id, moderator }) {
  const [stream, streamError, reloadStream] = useLoad(() => api("GET", `/streams/${id}`), [id]);
  // Whether the stream is live changes under the page: asked again every few seconds.
  useEffect(() => {
    const timer = setInterval(reloadStream, 5_000);
    return () => clearInterval(timer);
  }, [id]);
  const [blocks, blocksError, reloadBlocks] = useLoad(() => api("GET", `/streams/${id}/chat-blocks`), [id]);
  const { messages, connected, error, remove } = useChatFeed(id);
  const [notice, setNotice] = useState("");
  const list = useRef(null);
  const onScroll = useStickToBottom(list, [messages]);

  async function hide(m) {
    const { platformDeleted } = await api("POST", `/streams/${id}/comments/${encodeURIComponent(m.id)}/hide`);
    remove([m.id]);
    setNotice(`Hidden from the feed and the overlay. ${platformSays(platformDeleted, m.platform, "deleted it", "offers no way to delete it")}`);
  }
  async function block(m) {
    const result = await api("POST", `/streams/${id}/chat-blocks`, { platform: m.platform, authorId: m.author.id });
    setNotice(`Blocked ${m.author.name}: ${result.hidden} message${result.hidden === 1 ? "" : "s"} taken off the feed. ${platformSays(result.platformBanned, m.platform, "banned them too", "offers no ban")}`);
    reloadBlocks();
  }

  return html`
    <p><a href="#/chat">← All chats</a>${!moderator && html` · <a href=${`#/streams/${id}`}>Destinations</a>`}</p>
    <h1>${stream?.name ?? "Stream"} <span class="sub">chat</span></h1>
    <${Err} error=${streamError || error || blocksError} />
    <div class="chat-layout">
      <section class="card chat" aria-labelledby="feed-title">
        <div class="row spread">
          <h2 id="feed-title">Live chat</h2>
          <span class="row">
            ${stream && html`<span class=${`badge ${stream.live ? "live" : "idle"}`} data-testid="chat-stream-state">${stream.live ? "stream live" : "stream offline"}</span>`}
            <span class=${`conn ${connected ? "on" : "off"}`}>${connected ? "● feed connected" : "○ reconnecting to Prism…"}</span>
          </span>
        </div>
        ${notice && html`<p class="notice-line" role="status">${notice}</p>`}
        <ol class="feed" role="log" aria-live="polite" aria-label="Chat messages" ref=${list} onScroll=${onScroll} tabindex="0">
          ${messages.length === 0 && html`<li class="empty">No message yet. While the stream is live, Prism reads the chat of every destination added from a linked account (see Accounts) and shows it here.</li>`}
          ${messages.map((m) => html`<${Message} key=${m.id} m=${m} hide=${hide} block=${block} />`)}
        </ol>
        <${SendBox} streamId=${id} />
      </section>
      <div class="chat-side">
        ${!moderator && html`<${OverlayPanel} streamId=${id} />`}
        <${ChatModesPanel} streamId=${id} />
        <${FiltersPanel} streamId=${id} />
        <${BlocksPanel} streamId=${id} blocks=${blocks} reload=${reloadBlocks} />
      </div>
    </div>`;
}

function platformSays(result, platform, did, cannot) {
  const name = platformName(result?.platform ?? platform);
  if (!result) return `${name} ${cannot}.`;
  return result.ok ? `${name} ${did}.` : `${name} did not: ${result.error ?? "it refused"}.`;
}

/** What an engagement event is called next to its author (a plain message has no label). */
const KIND_LABELS = { paid: "Paid", membership: "Membership", gift: "Gift", raid: "Raid" };

/** An amount as people read it: "100 bits", "$5.00", "¥500". */
export function formatAmount(amount) {
  if (amount.currency === "BITS") return `${amount.value} bits`;
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency: amount.currency }).format(amount.value);
  } catch {
    return `${amount.value} ${amount.currency}`;
  }
}

function Message({ m, hide, block }) {
  const time = new Date(m.sentAt);
  const kind = m.kind && m.kind !== "message" ? m.kind : null;
  return html`<li class=${kind ? `msg engagement kind-${kind}` : "msg"} data-id=${m.id} data-platform=${m.platform} data-kind=${m.kind ?? "message"}>
    <${PlatformMark} platform=${m.platform} />
    <div class="msg-body">
      ${kind && html`<span class="kind-badge">${KIND_LABELS[kind] ?? kind}</span>`}
      ${m.amount && html`<span class="amount">${formatAmount(m.amount)}</span>`}
      <span class="author" style=${{ color: authorColor(m) }}>${m.author.name}</span>
      <time datetime=${m.sentAt} class="hint">${time.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}</time>
      <p class="text">${m.text}</p>
    </div>
    <${Guard} scope="chat" className="msg-actions">
      <${Action} label=${`Hide this message from ${m.author.name}`} run=${() => hide(m)}>Hide</${Action}>
      <${Action} className="danger" label=${`Block ${m.author.name}`} confirm=${`Block ${m.author.name} on ${platformName(m.platform)}?`} run=${() => block(m)}>Block</${Action}>
    </${Guard}>
  </li>`;
}
