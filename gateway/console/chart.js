// Charts drawn as SVG by hand: a time-series line chart (one line per
// series), a bar chart of daily values and a sleep hypnogram. Axes are
// labelled in the browser's local time.

const NS = "http://www.w3.org/2000/svg";
const H = 240, L = 48, R = 12, T = 24, B = 28;
// W is the drawing's width in SVG units, set from the window's width when a
// chart is drawn so that its text keeps its size on a phone.
let W = 720;
function sizeFor() {
  W = Math.max(320, Math.min(1100, (window.innerWidth || 720) - 80));
}
const COLORS = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2"];

function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

function frame(label) {
  sizeFor();
  return svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": label });
}

/** Round tick values covering [lo, hi]. */
function ticks(lo, hi, n = 5) {
  if (lo === hi) { lo -= 1; hi += 1; }
  const step0 = (hi - lo) / n;
  const mag = Math.pow(10, Math.floor(Math.log10(step0)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0);
  const out = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step / 2; v += step) out.push(+v.toFixed(10));
  return out;
}

const pad = (n) => String(n).padStart(2, "0");

function timeLabel(t, span) {
  const d = new Date(t);
  if (span > 3 * 86400e3) return (d.getMonth() + 1) + "/" + d.getDate();
  return pad(d.getHours()) + ":" + pad(d.getMinutes());
}

function yAxis(g, ys, y, unit) {
  for (const v of ys) {
    g.append(svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }));
    g.append(svg("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", class: "tick" }, String(v)));
  }
  if (unit) g.append(svg("text", { x: 4, y: 12, class: "tick" }, unit));
}

function xAxis(g, t0, t1, x) {
  const n = W < 500 ? 3 : 6;
  for (let i = 0; i <= n; i++) {
    const t = t0 + ((t1 - t0) * i) / n;
    g.append(svg("text", { x: x(t), y: H - 8, "text-anchor": i === 0 ? "start" : i === n ? "end" : "middle", class: "tick" }, timeLabel(t, t1 - t0)));
  }
}

/**
 * A line chart of series [{name, points: [[ms, value]]}] over [t0, t1]
 * (ms). Gaps longer than gap ms break the line.
 */
export function lineChart(series, { t0, t1, unit = "", gap = Infinity, label = "chart" } = {}) {
  const el = frame(label);
  const all = series.flatMap((s) => s.points.map((p) => p[1]));
  const ys = ticks(Math.min(...all), Math.max(...all));
  const lo = ys[0], hi = ys[ys.length - 1];
  const x = (t) => L + ((t - t0) / (t1 - t0 || 1)) * (W - L - R);
  const y = (v) => T + (1 - (v - lo) / (hi - lo || 1)) * (H - T - B);
  yAxis(el, ys, y, unit);
  xAxis(el, t0, t1, x);
  series.forEach((s, i) => {
    let d = "", prev = null;
    for (const [t, v] of s.points) {
      d += (prev === null || t - prev > gap ? "M" : "L") + x(t).toFixed(1) + "," + y(v).toFixed(1);
      prev = t;
    }
    const color = COLORS[i % COLORS.length];
    el.append(svg("path", { d, class: "line", stroke: color, "data-series": s.name }));
    if (s.points.length < 60) {
      for (const [t, v] of s.points) {
        const c = svg("circle", { cx: x(t), cy: y(v), r: 2.5, fill: color });
        c.append(svg("title", {}, new Date(t).toLocaleString() + ": " + v + " " + unit));
        el.append(c);
      }
    }
  });
  return el;
}

/** A bar chart of bars [{label, value, title}]. */
export function barChart(bars, { unit = "", label = "bar chart" } = {}) {
  const el = frame(label);
  const ys = ticks(0, Math.max(1, ...bars.map((b) => b.value || 0)));
  const hi = ys[ys.length - 1];
  const y = (v) => T + (1 - v / hi) * (H - T - B);
  yAxis(el, ys, y, unit);
  const bw = (W - L - R) / Math.max(bars.length, 1);
  const every = Math.ceil(bars.length / (W < 500 ? 5 : 10));
  bars.forEach((b, i) => {
    const r = svg("rect", { x: L + i * bw + bw * 0.1, y: y(b.value || 0), width: bw * 0.8, height: H - B - y(b.value || 0), class: "bar" });
    r.append(svg("title", {}, b.title || b.label + ": " + b.value));
    el.append(r);
    if (i % every === 0) el.append(svg("text", { x: L + i * bw + bw / 2, y: H - 8, "text-anchor": "middle", class: "tick" }, b.label));
  });
  return el;
}

const STAGES = ["awake", "rem", "light", "deep"];
const STAGE_COLORS = { awake: "#f59e0b", rem: "#8b5cf6", light: "#60a5fa", deep: "#1e3a8a", in_bed: "#cbd5e1", sleeping: "#93c5fd", unknown: "#94a3b8" };

/** A hypnogram of stage intervals [{stage, start_time, end_time}]. */
export function hypnogram(intervals, { label = "sleep stages" } = {}) {
  sizeFor();
  const el = svg("svg", { viewBox: `0 0 ${W} 120`, class: "chart hypno", role: "img", "aria-label": label });
  if (!intervals.length) return el;
  const t0 = Math.min(...intervals.map((i) => Date.parse(i.start_time)));
  const t1 = Math.max(...intervals.map((i) => Date.parse(i.end_time)));
  const x = (t) => L + ((t - t0) / (t1 - t0 || 1)) * (W - L - R);
  const rowH = 20;
  STAGES.forEach((s, i) => el.append(svg("text", { x: L - 6, y: 8 + i * rowH + 14, "text-anchor": "end", class: "tick" }, s)));
  for (const iv of intervals) {
    const row = STAGES.indexOf(iv.stage);
    const a = Date.parse(iv.start_time), b = Date.parse(iv.end_time);
    const r = svg("rect", { x: x(a), y: row < 0 ? 8 : 8 + row * rowH, width: Math.max(1, x(b) - x(a)), height: row < 0 ? rowH * 4 : rowH - 2,
      fill: STAGE_COLORS[iv.stage] || STAGE_COLORS.unknown, "fill-opacity": row < 0 ? 0.25 : 1, class: "stage" });
    r.append(svg("title", {}, iv.stage + " " + new Date(a).toLocaleTimeString() + "–" + new Date(b).toLocaleTimeString()));
    el.append(r);
  }
  const n = W < 500 ? 2 : 4;
  for (let i = 0; i <= n; i++) {
    const t = t0 + ((t1 - t0) * i) / n;
    el.append(svg("text", { x: x(t), y: 114, "text-anchor": i === 0 ? "start" : i === n ? "end" : "middle", class: "tick" }, timeLabel(t, t1 - t0)));
  }
  return el;
}
