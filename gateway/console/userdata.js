// A user's data: any series as a chart over a chosen range and resolution
// (heart rate first), daily activity, sleep nights with their stages and
// workouts. The resolution follows the range unless chosen, so a chart
// never asks ClickHouse for more than about a thousand buckets a series.

import { api } from "./api.js";
import { barChart, hypnogram, lineChart } from "./chart.js";
import { async, duration, emptyState, field, fill, fromLocalInput, h, localInput, num, section, select, table, timeEl } from "./ui.js";

const HOUR = 3600e3, DAY = 24 * HOUR;
const RESOLUTIONS = [["auto", "auto (fits the range)"], ["raw", "raw"], ["1min", "1 min"], ["5min", "5 min"], ["15min", "15 min"], ["1hour", "1 hour"], ["1day", "1 day"]];
const BUCKET = { "1min": 60e3, "5min": 300e3, "15min": 900e3, "1hour": HOUR, "1day": DAY };

/** The resolution that keeps a range under about a thousand buckets. */
export function autoResolution(span) {
  if (span <= 12 * HOUR) return "1min";
  if (span <= 3 * DAY) return "5min";
  if (span <= 10 * DAY) return "15min";
  if (span <= 40 * DAY) return "1hour";
  return "1day";
}

let seriesCatalog;
async function catalog() {
  seriesCatalog ??= api("GET", "/meta/series-types").then((r) => {
    const m = new Map();
    for (const t of r.data || r.items || r) m.set(t.name || t.id, t);
    return m;
  });
  return seriesCatalog;
}

/** The data sections of a user's page. */
export function userData(path) {
  return async(async () => {
    const [summary, sources, types] = await Promise.all([
      api("GET", path + "/summaries/data"),
      api("GET", path + "/data-sources"),
      catalog(),
    ]);
    const seen = Object.entries(summary.series_type_counts || {}).sort((a, b) => b[1] - a[1]).map(([t]) => t);
    const last = Math.max(0, ...(sources.data || sources.items || sources || []).map((s) => Date.parse(s.last_seen_at) || 0));
    const end = new Date(Math.ceil((last || Date.now()) / HOUR) * HOUR);
    const start = new Date(end - DAY);
    const first = seen.includes("heart_rate") ? "heart_rate" : seen[0];
    return [
      section("Series", seen.length ? seriesChart(path, seen, types, first, start, end) : emptyState("No samples for this user yet.")),
      section("Daily activity", dailyActivity(path, end)),
      section("Sleep", sleepNights(path, end)),
      section("Workouts", workouts(path, end)),
    ];
  });
}

function seriesChart(path, seen, types, first, start, end) {
  const typeSel = select(seen.map((t) => [t, t.replace(/_/g, " ") + " (" + (types.get(t)?.unit || "") + ")"]), first, { id: "series-type" });
  const from = h("input", { type: "datetime-local", id: "series-from", value: localInput(start) });
  const to = h("input", { type: "datetime-local", id: "series-to", value: localInput(end) });
  const res = select(RESOLUTIONS, "auto", { id: "series-resolution" });
  const out = h("div", { id: "series-chart", "aria-live": "polite" });
  const draw = () => {
    const t0 = fromLocalInput(from.value), t1 = fromLocalInput(to.value);
    if (!t0 || !t1 || t1 <= t0) return fill(out, emptyState("Choose a range whose end is after its start."));
    const resolution = res.value === "auto" ? autoResolution(t1 - t0) : res.value;
    fill(out, async(() => series(path, typeSel.value, types.get(typeSel.value), t0, t1, resolution), "Drawing…"));
  };
  const preset = (label, span) => h("button", { type: "button", onclick: () => { from.value = localInput(new Date(fromLocalInput(to.value) - span)); draw(); } }, label);
  const form = h("form", { class: "controls" },
    field("Series", typeSel), field("From", from), field("To", to), field("Resolution", res),
    h("div", { class: "presets" }, preset("6 h", 6 * HOUR), preset("24 h", DAY), preset("7 d", 7 * DAY), preset("30 d", 30 * DAY), preset("1 y", 365 * DAY)),
    h("button", { type: "submit" }, "Show"));
  form.addEventListener("submit", (ev) => { ev.preventDefault(); draw(); });
  typeSel.addEventListener("change", draw);
  res.addEventListener("change", draw);
  draw();
  return [form, out];
}

async function series(path, type, meta, t0, t1, resolution) {
  const started = performance.now();
  const items = [];
  let cursor, pages = 0;
  do {
    const r = await api("GET", path + "/timeseries", { query: { start_time: t0.toISOString(), end_time: t1.toISOString(), types: type, resolution, limit: 10000, cursor } });
    items.push(...r.data);
    cursor = r.pagination.has_more ? r.pagination.next_cursor : null;
  } while (cursor && ++pages < 5);
  const ms = Math.round(performance.now() - started);
  if (!items.length) return emptyState("No " + type.replace(/_/g, " ") + " between these times.");
  const bySource = new Map();
  for (const it of items) {
    const name = it.source.device_name || it.source.source || it.source.provider;
    if (!bySource.has(name)) bySource.set(name, []);
    bySource.get(name).push([Date.parse(it.timestamp), it.value]);
  }
  const lines = [...bySource].map(([name, points]) => ({ name, points: points.sort((a, b) => a[0] - b[0]) }));
  const gap = (BUCKET[resolution] || 10 * 60e3) * 3;
  const unit = items[0].unit || meta?.unit || "";
  const values = items.map((i) => i.value);
  return [
    lineChart(lines, { t0: +t0, t1: +t1, unit, gap, label: type + " from " + t0.toLocaleString() + " to " + t1.toLocaleString() }),
    h("ul", { class: "legend" }, lines.map((l, i) => h("li", { class: "c" + i }, l.name + " (" + l.points.length + ")"))),
    h("p", { class: "muted", id: "series-stats" },
      items.length + " points at " + resolution + " · min " + num(Math.min(...values)) + " · max " + num(Math.max(...values)) + " " + unit +
      " · answered in " + ms + " ms" + (cursor ? " · more than 5 pages: choose a coarser resolution" : "")),
  ];
}

const isoDay = (d) => d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");

function dailyActivity(path, end) {
  return async(async () => {
    const start = new Date(end - 30 * DAY);
    const r = await api("GET", path + "/summaries/activity", { query: { start_date: isoDay(start), end_date: isoDay(end) } });
    const days = r.data || r.items || [];
    if (!days.length) return emptyState("No daily activity in the 30 days up to " + isoDay(end) + ".");
    // The first of these metrics that the days have.
    const metric = [["steps", "steps"], ["active_calories_kcal", "active kcal"], ["distance_meters", "m"], ["total_calories_kcal", "kcal"]]
      .find(([k]) => days.some((d) => d[k])) || ["steps", "steps"];
    const [key, unit] = metric;
    return [
      barChart(days.map((d) => ({ label: d.date.slice(5), value: d[key] || 0, title: d.date + ": " + (d[key] ?? "no") + " " + unit })), { unit, label: unit + " per day" }),
      table([
        { label: "Day", cell: (d) => d.date },
        { label: "Steps", cell: (d) => num(d.steps, 0) },
        { label: "Distance", cell: (d) => d.distance_meters ? num(d.distance_meters / 1000, 2) + " km" : "—" },
        { label: "Active kcal", cell: (d) => num(d.active_calories_kcal, 0) },
        { label: "Active min", cell: (d) => num(d.active_minutes, 0) },
        { label: "Avg HR", cell: (d) => num(d.heart_rate?.avg_bpm, 0) },
      ], days.slice().reverse()),
    ];
  });
}

function sleepNights(path, end) {
  return async(async () => {
    const r = await api("GET", path + "/events/sleep", { query: { end_date: end.toISOString(), limit: 14 } });
    const nights = r.data || [];
    if (!nights.length) return emptyState("No sleep sessions recorded.");
    return h("div", { class: "nights" }, nights.slice().reverse().map((n) => h("article", { class: "night" },
      h("h3", {}, timeEl(n.start_time), " → ", timeEl(n.end_time), n.is_nap ? " (nap)" : ""),
      h("p", { class: "muted" }, "Asleep " + duration(n.sleep_duration_seconds) + " of " + duration(n.duration_seconds) +
        (n.efficiency_percent ? " · efficiency " + num(n.efficiency_percent, 0) + " %" : "") +
        " · deep " + num(n.stages?.deep_minutes, 0) + " min · REM " + num(n.stages?.rem_minutes, 0) + " min · light " + num(n.stages?.light_minutes, 0) +
        " min · awake " + num(n.stages?.awake_minutes, 0) + " min · source " + (n.source?.provider || "") + " · recorded at UTC" + (n.zone_offset ?? "")),
      n.sleep_stage_intervals?.length ? hypnogram(n.sleep_stage_intervals, { label: "sleep stages" }) : emptyState("No stage intervals for this session."))));
  });
}

function workouts(path, end) {
  return async(async () => {
    const r = await api("GET", path + "/events/workouts", { query: { end_date: end.toISOString(), limit: 50 } });
    const list = (r.data || []).slice().reverse();
    if (!list.length) return emptyState("No workouts recorded.");
    const detail = h("div", { id: "workout-detail", "aria-live": "polite" });
    const show = (w) => fill(detail, async(async () => {
      const laps = await api("GET", path + "/events/workouts/" + encodeURIComponent(w.id) + "/laps");
      return [h("h3", {}, w.name || w.type, " · ", timeEl(w.start_time)),
          table([
            { label: "Kind", cell: (l) => l.kind + " " + (l.index + 1) },
            { label: "Start", cell: (l) => timeEl(l.start_time, { seconds: true }) },
            { label: "Duration", cell: (l) => duration((Date.parse(l.end_time) - Date.parse(l.start_time)) / 1000) },
            { label: "Distance", cell: (l) => l.distance_meters != null ? num(l.distance_meters, 0) + " m" : "—" },
            { label: "Avg HR", cell: (l) => num(l.avg_heart_rate_bpm, 0) },
            { label: "kcal", cell: (l) => num(l.calories_kcal, 0) },
            { label: "Stroke", cell: (l) => l.swimming_stroke || "—" },
          ], laps.data, "This workout has no laps.")];
    }));
    return [table([
      { label: "Workout", cell: (w) => h("button", { type: "button", class: "link", "data-workout": w.id, onclick: () => show(w) }, w.name || w.type) },
      { label: "Start", cell: (w) => timeEl(w.start_time) },
      { label: "Duration", cell: (w) => duration(w.duration_seconds) },
      { label: "Distance", cell: (w) => w.distance_meters != null ? num(w.distance_meters / 1000, 2) + " km" : "—" },
      { label: "kcal", cell: (w) => num(w.calories_kcal, 0) },
      { label: "Avg / max HR", cell: (w) => num(w.avg_heart_rate_bpm, 0) + " / " + num(w.max_heart_rate_bpm, 0) },
      { label: "Source", cell: (w) => w.source?.provider || "" },
    ], list), detail];
  });
}

