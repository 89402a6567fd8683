// Talking to Prism: the session cookie goes along by itself; every change also carries the CSRF token.
import { h } from "preact";
import htm from "htm";

export const html = htm.bind(h);

function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)prism_csrf=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : "";
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `Prism answered ${status}`);
    this.status = status;
    this.code = body?.error?.code;
    /** What the API adds, e.g. `{ issues: [{ path, message }] }` on a validation failure. */
    this.details = body?.error?.details;
  }
}

/** Fired when the session is gone (401): the app shows the login form again. */
export const onLoggedOut = new EventTarget();

export async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (res.status === 401 && path.startsWith("/api/")) onLoggedOut.dispatchEvent(new Event("logout"));
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

export const api = (method, path, body) => call(method, `/api/v1${path}`, body);

/** Asks whether the session still holds; when it does not, the app goes back to the login form. */
export async function checkSession() {
  const s = await call("GET", "/session").catch(() => null);
  if (s && !s.loggedIn) onLoggedOut.dispatchEvent(new Event("logout"));
}

/**
 * An EventSource with named-event handlers (JSON data). EventSource retries a dropped connection by
 * itself, but gives up for good on an HTTP error such as 401: then the session may be gone, so ask.
 */
export function openFeed(url, handlers, { onState } = {}) {
  const source = new EventSource(url);
  for (const [event, handle] of Object.entries(handlers)) source.addEventListener(event, (e) => handle(JSON.parse(e.data), e));
  source.onopen = () => onState?.(true);
  source.onerror = () => {
    onState?.(false);
    if (source.readyState === EventSource.CLOSED) void checkSession();
  };
  return source;
}

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Clipboard API needs HTTPS or localhost; fall back to a selected textarea.
    const ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.style.position = "fixed";
    ta.style.opacity = "0";
    document.body.append(ta);
    ta.select();
    const ok = document.execCommand("copy");
    ta.remove();
    return ok;
  }
}

/**
 * POSTs a form with a file, reporting upload progress (fetch cannot): onProgress(sentBytes, totalBytes).
 * Returns { done: Promise of the JSON answer, abort() }.
 */
export function uploadForm(path, form, onProgress) {
  const xhr = new XMLHttpRequest();
  const done = new Promise((resolve, reject) => {
    xhr.open("POST", `/api/v1${path}`);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRF-Token", csrfToken());
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded, e.total);
    xhr.onload = () => {
      let data = null;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        data = null;
      }
      if (xhr.status === 401) onLoggedOut.dispatchEvent(new Event("logout"));
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(new ApiError(xhr.status, data));
    };
    xhr.onerror = () => reject(new Error("The upload failed: the connection to Prism broke off (a file over the size limit is cut off too)."));
    xhr.onabort = () => reject(new Error("Upload cancelled."));
    xhr.send(form);
  });
  return { done, abort: () => xhr.abort() };
}
