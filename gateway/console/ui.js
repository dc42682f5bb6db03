// DOM helpers shared by the pages. Text always goes in as text nodes, never
// as HTML, so nothing the API answers can inject markup.

/** Builds an element: h("a", {href: "#"}, "text", child, ...). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces el's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** "+01:00" for an offset in minutes east of UTC. */
export function offsetText(minutes) {
  const sign = minutes < 0 ? "-" : "+";
  const m = Math.abs(minutes);
  return sign + String(Math.floor(m / 60)).padStart(2, "0") + ":" + String(m % 60).padStart(2, "0");
}

const pad = (n) => String(n).padStart(2, "0");

/** An instant in the browser's local zone with its offset: "2026-01-14 06:30 UTC+01:00". */
export function fmtTime(value, { seconds = false } = {}) {
  if (!value) return "—";
  const d = value instanceof Date ? value : new Date(value);
  if (isNaN(d)) return String(value);
  let s = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
  if (seconds) s += ":" + pad(d.getSeconds());
  return s + " UTC" + offsetText(-d.getTimezoneOffset());
}

/** A <time> element showing fmtTime, with the UTC instant in its title. */
export function timeEl(value, opts) {
  if (!value) return "—";
  const d = new Date(value);
  return h("time", { datetime: isNaN(d) ? value : d.toISOString(), title: isNaN(d) ? "" : d.toISOString() }, fmtTime(d, opts));
}

/** The value of a datetime-local input for a Date (local clock). */
export function localInput(d) {
  return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
}

/** A Date from a datetime-local input's value (local clock). */
export function fromLocalInput(s) {
  return s ? new Date(s) : null;
}

/** "1 h 23 min", "4 min 12 s" or "12 s" for seconds. */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 60) return Math.round(seconds) + " s";
  if (seconds < 600) return Math.floor(seconds / 60) + " min " + Math.round(seconds % 60) + " s";
  const m = Math.round(seconds / 60);
  return m >= 60 ? Math.floor(m / 60) + " h " + (m % 60) + " min" : m + " min";
}

/** A number with at most digits decimals, or "—". */
export function num(v, digits = 1) {
  if (v === null || v === undefined || v === "") return "—";
  return Number(v).toLocaleString(undefined, { maximumFractionDigits: digits });
}

/** A table: columns [{label, cell(row)}]; empty shows the empty message. */
export function table(columns, rows, empty = "Nothing here yet.") {
  if (!rows || rows.length === 0) return emptyState(empty);
  return h("div", { class: "scroll" },
    h("table", {},
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c.label)))),
      h("tbody", {}, rows.map((r) => h("tr", {}, columns.map((c) => h("td", { "data-label": c.label }, c.cell(r))))))));
}

/** A calm "nothing here" block. */
export function emptyState(text) {
  return h("p", { class: "empty" }, text);
}

/** An error block with the server's message. */
export function errorState(err) {
  const status = err && err.status ? " (" + err.status + (err.code ? " " + err.code : "") + ")" : "";
  return h("div", { class: "error", role: "alert" }, h("strong", {}, "Error" + status + ": "), err && err.message ? err.message : String(err));
}

/** A section with a heading. */
export function section(title, ...children) {
  return h("section", { class: "card" }, h("h2", {}, title), children);
}

/** A placeholder that shows loading, then fills with what load() builds, or its error. */
export function async(load, label = "Loading…") {
  const box = h("div", { class: "async", "aria-busy": "true" }, h("p", { class: "muted" }, label));
  Promise.resolve().then(load).then(
    (content) => { box.removeAttribute("aria-busy"); fill(box, content); },
    (err) => { box.removeAttribute("aria-busy"); fill(box, errorState(err)); });
  return box;
}

let toastTimer;
/** A short message for the result of an action. */
export function toast(text, kind = "ok") {
  const el = document.getElementById("toast");
  el.className = "show " + kind;
  el.textContent = text;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.className = ""; }, 6000);
}

/**
 * A button that runs action, disabled while it runs; the result's message
 * (or the server's error) is shown as a toast.
 */
export function actionButton(label, action, attrs = {}) {
  const b = h("button", { type: "button", ...attrs }, label);
  b.addEventListener("click", async () => {
    b.disabled = true;
    try {
      const msg = await action();
      if (msg) toast(msg);
    } catch (e) {
      toast((e.status ? e.status + " " : "") + e.message, "bad");
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

/** A labelled form field around input. */
export function field(label, input, hint) {
  const id = input.id || "f" + Math.random().toString(36).slice(2);
  input.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label), input, hint ? h("small", { class: "muted" }, hint) : null);
}

/** A <select> of options [[value, label]] with value selected. */
export function select(options, value, attrs = {}) {
  return h("select", attrs, options.map(([v, l]) => h("option", { value: v, selected: v === value }, l)));
}

/** A status pill. */
export function pill(text, kind = "") {
  return h("span", { class: "pill " + kind }, text);
}
