// Overview: the pipeline's health from the gateway's GET /metrics (every
// component's metrics in `wearstream dev`): flow per stage, consumer lag,
// dead letters, delivery outcomes, and the endpoints failing now. The page
// reads the metrics every 10 seconds while it is open and charts the rates
// it has seen (the last hour at most; a Prometheus server keeps longer
// history, see deploy/grafana).

import { api, metricsText } from "./api.js";
import { lineChart } from "./chart.js";
import { can } from "./session.js";
import { async, emptyState, errorState, fill, h, num, pill, section, table } from "./ui.js";

/** Parses the Prometheus text format into [{name, labels, value}]. */
export function parseMetrics(text) {
  const out = [];
  for (const line of text.split("\n")) {
    if (!line || line[0] === "#") continue;
    const m = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/);
    if (!m) continue;
    const labels = {};
    for (const [, k, v] of (m[2] || "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v.replace(/\\(.)/g, "$1");
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

const sum = (ms, name, pred = () => true) => ms.filter((m) => m.name === name && pred(m.labels)).reduce((a, m) => a + m.value, 0);

// The flow of each stage: what it counts, as a counter summed over labels.
const STAGES = [
  { key: "raw", label: "Raw events in (processor)", metric: "wearstream_processor_raw_events_total" },
  { key: "records", label: "Records out (processor)", metric: "wearstream_processor_records_total" },
  { key: "rows", label: "Rows written (ClickHouse sink)", metric: "wearstream_sink_rows_total" },
  { key: "deliveries", label: "Delivery attempts", metric: "wearstream_delivery_attempts_total" },
];

const history = []; // [{t, totals}] of this page's reads, an hour at most

/** The overview page. */
export function overviewPage() {
  const flow = h("div", { id: "flow" }), charts = h("div", { id: "flow-charts" });
  const lag = h("div", { id: "lag" }), dead = h("div", { id: "dead-letters" }), deliveries = h("div", { id: "deliveries" });
  let first = true;
  const refresh = async () => {
    // The loop ends when the page is left (its first run is before the
    // page is shown).
    if (!first && !flow.isConnected) return;
    first = false;
    let ms;
    try {
      ms = parseMetrics(await metricsText());
    } catch (e) {
      fill(flow, errorState(e));
      return;
    }
    const now = Date.now();
    const totals = Object.fromEntries(STAGES.map((s) => [s.key, sum(ms, s.metric)]));
    history.push({ t: now, totals });
    while (history.length && now - history[0].t > 3600e3) history.shift();
    const prev = history.length > 1 ? history[history.length - 2] : null;
    fill(flow, table([
      { label: "Stage", cell: (s) => s.label },
      { label: "Since start", cell: (s) => num(totals[s.key], 0) },
      { label: "Per second now", cell: (s) => prev ? num((totals[s.key] - prev.totals[s.key]) / ((now - prev.t) / 1000), 2) : "…" },
    ], STAGES));
    fill(charts, history.length > 2 ? lineChart(STAGES.map((s) => ({
      name: s.label,
      points: history.slice(1).map((p, i) => [p.t, Math.max(0, (p.totals[s.key] - history[i].totals[s.key]) / ((p.t - history[i].t) / 1000))]),
    })), { t0: history[1].t, t1: now, unit: "/s", label: "flow per stage, per second" }) : emptyState("The flow chart fills in as this page reads the metrics every 10 seconds."),
    h("ul", { class: "legend" }, STAGES.map((s, i) => h("li", { class: "c" + i }, s.label))));
    const lags = ms.filter((m) => m.name === "wearstream_consumer_lag_records");
    const byGroup = new Map();
    for (const m of lags) byGroup.set(m.labels.group, (byGroup.get(m.labels.group) || 0) + m.value);
    fill(lag, table([
      { label: "Consumer group", cell: ([g]) => g },
      { label: "Records behind", cell: ([, v]) => v > 1000 ? pill(num(v, 0), "warn") : num(v, 0) },
    ], [...byGroup], "No lag read yet (the gateway reads it every 15 seconds)."));
    fill(dead, table([
      { label: "Stage", cell: (m) => m.labels.stage },
      { label: "Reason", cell: (m) => m.labels.reason },
      { label: "Dead letters", cell: (m) => pill(num(m.value, 0), m.value ? "bad" : "") },
    ], ms.filter((m) => m.name === "wearstream_dead_letters_total" && m.value > 0), "No dead letters since the components started."));
    fill(deliveries, table([
      { label: "Outcome", cell: (m) => m.labels.outcome },
      { label: "Attempts", cell: (m) => num(m.value, 0) },
    ], ms.filter((m) => m.name === "wearstream_delivery_attempts_total"), "No delivery attempts yet."));
    // The first reads come quickly so that rates show at once.
    setTimeout(refresh, history.length < 3 ? 2000 : 10000);
  };
  refresh();
  return [
    h("h1", {}, "Overview"),
    section("Flow per stage", flow, charts),
    h("div", { class: "grid2" }, section("Consumer lag", lag), section("Dead letters", dead)),
    h("div", { class: "grid2" }, section("Deliveries", deliveries), can("member") ? section("Failing endpoints", failingEndpoints()) : null),
  ];
}

// failingEndpoints lists disabled endpoints and those whose attempts
// failed in the last hour.
function failingEndpoints() {
  return async(async () => {
    const r = await api("GET", "/webhooks/endpoints");
    const eps = (r.data || r).slice(0, 50);
    const since = new Date(Date.now() - 3600e3).toISOString();
    const rows = [];
    await Promise.all(eps.map(async (e) => {
      const f = await api("GET", "/webhooks/endpoints/" + e.id + "/attempts", { query: { status: "failed", after: since, limit: 100 } }).catch(() => ({ data: [] }));
      if (e.disabled || f.data.length) rows.push({ e, failed: f.data.length, last: f.data[0] });
    }));
    return table([
      { label: "Endpoint", cell: (x) => h("a", { href: "#/webhooks/" + x.e.id }, x.e.url) },
      { label: "State", cell: (x) => x.e.disabled ? pill("disabled", "bad") : pill("enabled", "ok") },
      { label: "Failed attempts, last hour", cell: (x) => x.failed >= 100 ? "100+" : x.failed },
      { label: "Last error", cell: (x) => x.last ? x.last.error || "HTTP " + x.last.response_status_code : "—" },
    ], rows, "No endpoint is failing.");
  });
}
