// Credentials (API keys with their roles, mobile applications),
// Providers (configured or not, capabilities, the URLs to register) and
// Priorities (edited by admins).

import { api } from "./api.js";
import { can, session } from "./session.js";
import { actionButton, async, errorState, field, fill, h, pill, section, select, table, timeEl } from "./ui.js";

/** API keys and mobile applications. */
export function credentialsPage() {
  const list = h("div", { id: "applications" });
  const shown = h("div", { id: "app-secret", "aria-live": "polite" });
  const once = (app) => fill(shown, h("div", { class: "notice" }, "Secret of ", h("strong", {}, app.name), " (shown once, store it now): ", h("code", {}, app.app_secret)));
  const load = () => fill(list, async(async () => {
    const r = await api("GET", "/applications");
    return table([
      { label: "Name", cell: (a) => a.name },
      { label: "App id", cell: (a) => h("code", {}, a.app_id) },
      { label: "Secret", cell: (a) => h("code", {}, a.secret_prefix + "…") },
      { label: "Created", cell: (a) => timeEl(a.created_at) },
      { label: "Rotated", cell: (a) => timeEl(a.rotated_at) },
      { label: "Actions", cell: (a) => h("div", { class: "actions" },
        actionButton("Rotate secret", async () => { once(await api("POST", "/applications/" + a.app_id + "/rotate-secret")); load(); return "Secret rotated"; }),
        actionButton("Delete", async () => {
          if (!confirm("Delete " + a.name + "? Its tokens stop working at once.")) return "";
          await api("DELETE", "/applications/" + a.app_id); load(); return "Application deleted";
        }, { class: "danger" })) },
    ], r.data || r.items || r, "No mobile applications yet.");
  }));
  const name = h("input", { type: "text", id: "app-name", required: true, maxlength: 255 });
  const msg = h("div");
  const form = h("form", { class: "row" }, h("label", { for: "app-name" }, "Name"), name, h("button", { type: "submit" }, "Create application"), msg);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try { once(await api("POST", "/applications", { body: { name: name.value } })); fill(msg); load(); } catch (e) { fill(msg, errorState(e)); }
  });
  load();
  return [h("h1", {}, "Credentials"),
    section("API keys", apiKeys()),
    section("Mobile applications", shown, list, form),
  ];
}

// apiKeys lists the tenant's keys with their roles, creates one (shown
// once) and revokes them.
function apiKeys() {
  const list = h("div", { id: "api-keys" });
  const shown = h("div", { id: "api-key-new", "aria-live": "polite" });
  const load = () => fill(list, async(async () => {
    const r = await api("GET", "/api-keys");
    return table([
      { label: "Name", cell: (k) => k.name || "—" },
      { label: "Id", cell: (k) => h("code", {}, k.id) },
      { label: "Key", cell: (k) => k.prefix ? h("code", {}, k.prefix + "…") : "—" },
      { label: "Role", cell: (k) => pill(k.role || "none", k.role === "admin" ? "warn" : "") },
      { label: "Created", cell: (k) => timeEl(k.created_at) },
      { label: "Actions", cell: (k) => actionButton("Revoke", async () => {
        if (!confirm("Revoke " + (k.name || k.id) + "? Whatever uses it stops working." + (k.id === session.me.key_id ? " This is the key you are logged in with." : ""))) return "";
        await api("DELETE", "/api-keys/" + encodeURIComponent(k.id));
        load();
        return "Key revoked";
      }, { class: "danger" }) },
    ], r.data, "No API keys.");
  }));
  const name = h("input", { type: "text", id: "key-name", maxlength: 255, placeholder: "what it is for" });
  const role = select([["read", "read"], ["member", "member"], ["admin", "admin"]], "read", { id: "key-role" });
  const msg = h("div");
  const form = h("form", { class: "controls", id: "new-key" }, field("Name", name), field("Role", role), h("button", { type: "submit" }, "Create key"), msg);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const k = await api("POST", "/api-keys", { body: { name: name.value, role: role.value } });
      fill(shown, h("div", { class: "notice" }, "New " + k.role + " key (shown once, store it now): ", h("code", {}, k.key)));
      fill(msg);
      load();
    } catch (e) { fill(msg, errorState(e)); }
  });
  load();
  return [shown, list, form, h("p", { class: "muted" }, "The admin command makes keys too: wearstream admin key create -tenant TENANT -role read|member|admin")];
}

/** The providers this deployment knows. */
export function providersPage() {
  return [h("h1", {}, "Providers"), section("Providers", async(async () => {
    const list = await api("GET", "/oauth/providers");
    // As this browser reaches the gateway; providers need the public
    // address (WEARSTREAM_PUBLIC_URL) when it differs.
    const base = location.origin + "/api/v1";
    return table([
      { label: "Provider", cell: (p) => p.display_name || p.name },
      { label: "Configured", cell: (p) => p.is_configured ? pill("yes", "ok") : pill("no", "warn") },
      { label: "Sync", cell: (p) => p.live_sync_mode },
      { label: "Capabilities", cell: (p) => Object.entries(p.capabilities || {}).filter(([, v]) => v === true).map(([k]) => pill(k.replace(/_/g, " "))) },
      { label: "URLs to register", cell: (p) => p.has_cloud_api ? h("div", { class: "urls" },
        h("div", {}, "OAuth callback: ", h("code", {}, base + "/oauth/" + p.name + "/callback")),
        p.capabilities?.webhook_stream || p.capabilities?.webhook_ping || p.capabilities?.webhook_callback ? h("div", {}, "Webhook: ", h("code", {}, base + "/providers/" + p.name + "/webhooks")) : null) : "—" },
    ], list, "No providers.");
  }))];
}

/** The tenant's provider and device-type priorities. */
export function prioritiesPage() {
  return [h("h1", {}, "Priorities"),
    h("p", { class: "muted" }, "Lower wins: each summary metric of a day comes from the best source that has it."),
    section("Providers", priorityTable("providers", "provider")),
    section("Device types", priorityTable("device-types", "device_type"))];
}

function priorityTable(kind, key) {
  const box = h("div");
  const load = () => fill(box, async(async () => {
    const r = await api("GET", "/priorities/" + kind);
    return table([
      { label: key === "provider" ? "Provider" : "Device type", cell: (p) => p[key] },
      { label: "Priority", cell: (p) => can("admin") ? h("input", { type: "number", min: 1, max: 100, value: p.priority, "aria-label": "priority of " + p[key], "data-name": p[key], class: "prio" }) : p.priority },
    ], r.items, "No priorities.");
  }));
  load();
  return [box, can("admin") ? actionButton("Save " + kind, async () => {
    const priorities = [...box.querySelectorAll("input.prio")].map((i) => ({ [key]: i.dataset.name, priority: Number(i.value) }));
    await api("PUT", "/priorities/" + kind, { body: { priorities } });
    load();
    return "Priorities saved";
  }) : null];
}
