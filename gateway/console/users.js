// Users: search the tenant's users; a user's profile, connections, data
// sources, sync runs and data (userdata.js).

import { api, sessionKey, streamEvents } from "./api.js";
import { can } from "./session.js";
import { actionButton, async, emptyState, fill, h, num, pill, section, table, timeEl } from "./ui.js";
import { userData } from "./userdata.js";

const PAGE = 20;

/** The users list with a search box. */
export function usersPage() {
  const q = new URLSearchParams(location.hash.split("?")[1] || "");
  const input = h("input", { type: "search", id: "user-search", name: "search", value: q.get("search") || "", placeholder: "id, email, external id or name" });
  const results = h("div", { id: "user-results" });
  let page = 1;
  const load = () => fill(results, async(async () => {
    const r = await api("GET", "/users", { query: { search: input.value.trim(), page, limit: PAGE } });
    const rows = table([
      { label: "User", cell: (u) => h("a", { href: "#/users/" + encodeURIComponent(u.id), class: "user-link" }, u.email || u.external_user_id || u.id) },
      { label: "External id", cell: (u) => u.external_user_id || "—" },
      { label: "Name", cell: (u) => [u.first_name, u.last_name].filter(Boolean).join(" ") || "—" },
      { label: "Created", cell: (u) => timeEl(u.created_at) },
    ], r.items, input.value ? "No user matches “" + input.value + "”." : "No users yet: create one with POST /api/v1/users.");
    const pager = h("div", { class: "pager" },
      h("span", { class: "muted" }, r.total + " users · page " + r.page + " of " + Math.max(r.pages, 1)),
      h("button", { type: "button", disabled: !r.has_prev, onclick: () => { page--; load(); } }, "Previous"),
      h("button", { type: "button", disabled: !r.has_next, onclick: () => { page++; load(); } }, "Next"));
    return [rows, pager];
  }));
  const form = h("form", { class: "row", role: "search" }, h("label", { for: "user-search" }, "Search"), input, h("button", { type: "submit" }, "Search"));
  form.addEventListener("submit", (ev) => { ev.preventDefault(); page = 1; load(); });
  load();
  return [h("h1", {}, "Users"), section("Find a user", form, results)];
}

/** One user's page. */
export function userPage(id) {
  const path = "/users/" + encodeURIComponent(id);
  return [
    h("p", {}, h("a", { href: "#/users" }, "← Users")),
    async(async () => {
      const u = await api("GET", path);
      return [
        h("h1", {}, u.email || u.external_user_id || u.id),
        h("dl", { class: "facts" },
          h("dt", {}, "Id"), h("dd", {}, h("code", {}, u.id)),
          h("dt", {}, "External id"), h("dd", {}, u.external_user_id || "—"),
          h("dt", {}, "Name"), h("dd", {}, [u.first_name, u.last_name].filter(Boolean).join(" ") || "—"),
          h("dt", {}, "Created"), h("dd", {}, timeEl(u.created_at))),
        h("div", { class: "actions" },
          actionButton("Export data (NDJSON)", () => exportUser(path, u.id), { id: "export-user" }),
          can("member") ? actionButton("Erase user", async () => {
            if (!confirm("Erase " + (u.email || u.id) + "? Every record of the user is deleted from every table and topic reader; this cannot be undone.")) return "";
            await api("DELETE", path);
            location.hash = "#/users";
            return "User erased";
          }, { class: "danger", id: "erase-user" }) : null),
        section("Connections", connections(path)),
        section("Data sources", async(() => dataSources(path))),
        userData(path),
        section("Sync runs", syncRuns(path)),
      ];
    }),
  ];
}

// exportUser downloads the user's export (NDJSON) with the session's key.
// The browser holds the file while it downloads: for a user with millions
// of samples, curl the route instead.
async function exportUser(path, id) {
  const res = await fetch("/api/v1" + path + "/export", { headers: { "X-API-Key": sessionKey() }, cache: "no-store" });
  if (!res.ok) {
    const e = await res.json().catch(() => ({}));
    throw new Error(e.error ? e.error.message : "export answered " + res.status);
  }
  const text = await res.text();
  const last = JSON.parse(text.trimEnd().split("\n").pop() || "{}");
  if (last.kind !== "end") throw new Error("the export stopped early: " + (last.message || "no end line"));
  const url = URL.createObjectURL(new Blob([text], { type: "application/x-ndjson" }));
  const a = h("a", { href: url, download: "wearstream-user-" + id + ".ndjson" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return "Export downloaded: " + last.records + " records";
}

function capabilities(c) {
  return Object.entries(c || {}).filter(([, v]) => v === true).map(([k]) => pill(k.replace(/_/g, " ")));
}

function connections(path) {
  const box = h("div");
  const load = () => fill(box, async(async () => {
    const list = await api("GET", path + "/connections");
    const items = Array.isArray(list) ? list : list.data || list.items || [];
    return table([
      { label: "Provider", cell: (c) => c.provider },
      { label: "Status", cell: (c) => [pill(c.status, c.status === "active" ? "ok" : "bad"), c.reason ? " " + c.reason : ""] },
      { label: "Capabilities", cell: (c) => capabilities(c.capabilities) },
      { label: "Last sync", cell: (c) => timeEl(c.last_synced_at) },
      { label: "Sync mode", cell: (c) => c.live_sync_mode },
      { label: "Actions", cell: (c) => can("member") ? h("div", { class: "actions" },
        actionButton("Sync now", async () => { const r = await api("POST", "/providers/" + c.provider + path + "/sync"); return "Sync queued: run " + r.run_id; }),
        actionButton("Reconnect link", async () => {
          const r = await api("GET", "/oauth/" + c.provider + "/authorize", { query: { user_id: c.user_id, redirect_uri: location.origin + "/console/" } });
          prompt("Send this authorisation link to the user:", r.authorization_url);
        }),
        actionButton("Disconnect", async () => {
          if (!confirm("Disconnect " + c.provider + "? The provider's tokens are revoked.")) return "";
          await api("DELETE", path + "/connections/" + c.provider);
          load();
          return c.provider + " disconnected";
        }, { class: "danger" })) : "—" },
    ], items, "No cloud connections. Mobile SDK and file uploads need none.");
  }));
  load();
  return box;
}

async function dataSources(path) {
  const r = await api("GET", path + "/data-sources");
  const items = r.data || r.items || r;
  return table([
    { label: "Source", cell: (s) => s.display_name || s.source },
    { label: "Provider", cell: (s) => s.provider },
    { label: "Device", cell: (s) => [s.device_model, s.device_type].filter(Boolean).join(" · ") || "—" },
    { label: "Priority", cell: (s) => s.priority },
    { label: "Records", cell: (s) => num(s.record_count, 0) },
    { label: "Last seen", cell: (s) => timeEl(s.last_seen_at) },
  ], items, "No data yet for this user.");
}

// syncRuns shows the user's runs live: the list from GET …/sync/runs,
// read again on each event of the user's sync stream (Server-Sent Events,
// read through fetch so that the key goes in a header); when the stream
// ends it reconnects for as long as the page is shown.
function syncRuns(path) {
  const box = h("div", { id: "sync-runs", "aria-live": "polite" });
  const draw = async () => {
    const r = await api("GET", path + "/sync/runs", { query: { limit: 20 } });
    fill(box, table([
      { label: "Run", cell: (r) => h("code", {}, r.run_id.slice(0, 12)) },
      { label: "Provider", cell: (r) => r.provider + " · " + r.source },
      { label: "Status", cell: (r) => pill(r.status, r.status === "success" ? "ok" : r.status === "failed" ? "bad" : "warn") },
      { label: "Items", cell: (r) => num(r.items_processed, 0) },
      { label: "Started", cell: (r) => timeEl(r.started_at) },
      { label: "Updated", cell: (r) => timeEl(r.updated_at, { seconds: true }) },
      { label: "Message", cell: (r) => r.error || r.message || "" },
    ], Array.isArray(r) ? r : r.data || [], "No sync runs: imports and provider syncs appear here as they run."));
  };
  let started = false;
  const connect = async () => {
    if (started && !box.isConnected) return;
    started = true;
    try {
      await draw();
      await streamEvents(path + "/sync/stream", (ev) => {
        if (ev.event === "sync.status") draw().catch(() => {});
      }, () => !box.isConnected, { replay: 0 });
    } catch (e) {
      fill(box, emptyState("Cannot follow sync runs: " + e.message));
      if (e.status) return;
    }
    setTimeout(connect, 1000);
  };
  connect();
  return box;
}
