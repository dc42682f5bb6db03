// The API client: every call carries the key typed at login, kept in
// sessionStorage only (gone when the tab closes). A 401 ends the session
// and returns to the login page with the server's reason.

const KEY = "wearstream.key";

/** The session's API key, or "". */
export function sessionKey() {
  return sessionStorage.getItem(KEY) || "";
}

/** Keeps key for this browser session. */
export function startSession(key) {
  sessionStorage.setItem(KEY, key);
}

/** Forgets the key; reason is shown on the login page. */
export function endSession(reason) {
  sessionStorage.removeItem(KEY);
  if (reason) sessionStorage.setItem("wearstream.reason", reason);
  location.hash = "#/login";
}

/** Takes (once) the reason the last session ended. */
export function takeReason() {
  const r = sessionStorage.getItem("wearstream.reason") || "";
  sessionStorage.removeItem("wearstream.reason");
  return r;
}

/** An error the server answered, with its status, code and message. */
export class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Calls the API: path under /api/v1 (or from the root when it starts with
 * "/" and root is set), query an object of parameters (arrays repeat),
 * body any JSON value. Answers the parsed JSON (null for 204).
 */
export async function api(method, path, { query, body, root, key } = {}) {
  let url = (root ? "" : "/api/v1") + path;
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === null || v === "") continue;
      for (const one of Array.isArray(v) ? v : [v]) q.append(k, one);
    }
    const s = q.toString();
    if (s) url += "?" + s;
  }
  const headers = { "X-API-Key": key || sessionKey() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store" });
  } catch (e) {
    throw new APIError(0, "network", "cannot reach the gateway: " + e.message);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = text; }
  }
  if (!res.ok) {
    const err = data && data.error ? data.error : { code: "http_" + res.status, message: typeof data === "string" && data ? data : res.statusText };
    if (res.status === 401 && !key) endSession(err.message);
    throw new APIError(res.status, err.code, err.message);
  }
  return data;
}

/** Fetches the gateway's Prometheus metrics as text. */
export async function metricsText() {
  const res = await fetch("/metrics", { cache: "no-store" });
  if (!res.ok) throw new APIError(res.status, "metrics", "GET /metrics answered " + res.status);
  return res.text();
}

/**
 * Reads a Server-Sent Events stream under /api/v1 with the session's key
 * (EventSource cannot send headers), with the query parameters given,
 * calling onEvent({event, id, data}) for each event, until the stream
 * ends or stop() is true.
 */
export async function streamEvents(path, onEvent, stop, query) {
  const q = query ? "?" + new URLSearchParams(query).toString() : "";
  const res = await fetch("/api/v1" + path + q, { headers: { "X-API-Key": sessionKey(), Accept: "text/event-stream" }, cache: "no-store" });
  if (!res.ok) {
    let err = { code: "http_" + res.status, message: res.statusText };
    try { err = (await res.json()).error || err; } catch { /* not JSON */ }
    if (res.status === 401) endSession(err.message);
    throw new APIError(res.status, err.code, err.message);
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    if (stop()) { reader.cancel(); return; }
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let cut;
    while ((cut = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const ev = { event: "message", id: "", data: "" };
      for (const line of block.split("\n")) {
        const i = line.indexOf(":");
        if (i === 0) continue; // a comment
        const k = i < 0 ? line : line.slice(0, i), v = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
        if (k === "data") ev.data += (ev.data ? "\n" : "") + v;
        else if (k === "event" || k === "id") ev[k] = v;
      }
      if (ev.data) onEvent(ev);
    }
  }
}
