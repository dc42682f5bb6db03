// Webhooks: the tenant's endpoints (create, edit filters and user scope,
// reveal and rotate the secret, enable, disable, test) and each endpoint's
// delivery log (filters, each attempt's request and response, resend,
// recover a time range). Admin actions are offered to admin keys only.

import { api } from "./api.js";
import { can } from "./session.js";
import { actionButton, async, emptyState, errorState, field, fill, fromLocalInput, h, localInput, pill, section, select, table, timeEl, toast } from "./ui.js";

let eventTypesCache;
function eventTypes() {
  eventTypesCache ??= api("GET", "/webhooks/event-types").then((r) => (r.data || r).map((t) => t.name));
  return eventTypesCache;
}

/** The endpoint list, with the create form for admins. */
export function webhooksPage() {
  if (!can("member")) {
    // A read key reads the delivery log, not the endpoints.
    return [h("h1", {}, "Webhooks"), section("Recent messages", messages({}))];
  }
  const list = h("div", { id: "endpoints" });
  const load = () => fill(list, async(async () => {
    const r = await api("GET", "/webhooks/endpoints");
    const items = r.data || r;
    return table([
      { label: "URL", cell: (e) => h("a", { href: "#/webhooks/" + encodeURIComponent(e.id), class: "endpoint-link" }, e.url) },
      { label: "Status", cell: (e) => e.disabled ? pill("disabled", "bad") : pill("enabled", "ok") },
      { label: "Events", cell: (e) => e.filter_types.length ? e.filter_types.join(", ") : "all" },
      { label: "Users", cell: (e) => e.user_id ? h("a", { href: "#/users/" + e.user_id }, e.user_id.slice(0, 8)) : "all" },
      { label: "Description", cell: (e) => e.description || "—" },
      { label: "Created", cell: (e) => timeEl(e.created_at) },
    ], items, "No endpoints yet." + (can("admin") ? " Create one below." : ""));
  }));
  load();
  return [
    h("h1", {}, "Webhooks"),
    section("Endpoints", list),
    can("admin") ? section("New endpoint", endpointForm(null, async (body) => {
      const e = await api("POST", "/webhooks/endpoints", { body });
      toast("Endpoint created");
      location.hash = "#/webhooks/" + encodeURIComponent(e.id);
    })) : null,
    section("Recent messages", messages({})),
  ];
}

// endpointForm edits url, description, event filters and user scope.
function endpointForm(e, submit) {
  const url = h("input", { type: "url", id: "ep-url", required: true, value: e?.url || "", placeholder: "https://example.com/hook" });
  const desc = h("input", { type: "text", id: "ep-description", value: e?.description || "", maxlength: 1024 });
  const user = h("input", { type: "text", id: "ep-user", value: e?.user_id || "", placeholder: "every user" });
  const chosen = new Set(e?.filter_types || []);
  const boxes = h("fieldset", { class: "types" }, h("legend", {}, "Events (none checked: every event)"), h("p", { class: "muted" }, "Loading event types…"));
  eventTypes().then((types) => fill(boxes, h("legend", {}, "Events (none checked: every event)"),
    types.map((t) => h("label", { class: "check" }, h("input", { type: "checkbox", value: t, checked: chosen.has(t), name: "filter" }), t))));
  const msg = h("div", { "aria-live": "assertive" });
  const form = h("form", { class: "stack", id: e ? "edit-endpoint" : "new-endpoint" },
    field("URL", url), field("Description", desc), field("Only for user id", user, "Leave empty for every user of the tenant."), boxes,
    h("button", { type: "submit" }, e ? "Save" : "Create endpoint"), msg);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = {
      url: url.value.trim(), description: desc.value,
      filter_types: [...boxes.querySelectorAll("input:checked")].map((c) => c.value),
      user_id: user.value.trim() || null,
    };
    try {
      fill(msg);
      await submit(body);
    } catch (err) {
      fill(msg, errorState(err));
    }
  });
  return form;
}

/** One endpoint: settings, secret, actions and its delivery log. */
export function endpointPage(id) {
  const path = "/webhooks/endpoints/" + encodeURIComponent(id);
  const box = h("div");
  const load = () => fill(box, async(async () => {
    const e = await api("GET", path);
    const admin = can("admin");
    return [
      h("h1", {}, e.url, " ", e.disabled ? pill("disabled", "bad") : pill("enabled", "ok")),
      h("dl", { class: "facts" },
        h("dt", {}, "Id"), h("dd", {}, h("code", {}, e.id)),
        h("dt", {}, "Events"), h("dd", {}, e.filter_types.length ? e.filter_types.join(", ") : "all"),
        h("dt", {}, "Users"), h("dd", {}, e.user_id || "all"),
        h("dt", {}, "Updated"), h("dd", {}, timeEl(e.updated_at))),
      admin ? h("div", { class: "actions" },
        e.disabled
          ? actionButton("Enable", async () => { await api("POST", path + "/enable"); load(); return "Endpoint enabled"; })
          : actionButton("Disable", async () => { await api("POST", path + "/disable"); load(); return "Endpoint disabled"; }),
        actionButton("Delete", async () => {
          if (!confirm("Delete this endpoint? Its log stays.")) return "";
          await api("DELETE", path);
          location.hash = "#/webhooks";
          return "Endpoint deleted";
        }, { class: "danger" })) : null,
      section("Delivery log", attempts(path, e.id)),
      admin ? section("Send a test event", testBox(path)) : null,
      admin ? section("Signing secret", secretBox(path)) : null,
      admin ? section("Recover a time range", recoverBox(path)) : null,
      admin ? section("Edit", endpointForm(e, async (body) => { await api("PATCH", path, { body }); toast("Saved"); load(); })) : null,
    ];
  }));
  load();
  return [h("p", {}, h("a", { href: "#/webhooks" }, "← Webhooks")), box];
}

function secretBox(path) {
  const out = h("code", { id: "secret", class: "secret" }, "whsec_••••••••");
  return [h("p", {}, out),
    h("div", { class: "actions" },
      actionButton("Reveal", async () => { out.textContent = (await api("GET", path + "/secret")).key; }),
      actionButton("Rotate", async () => {
        if (!confirm("Rotate the secret? The old one keeps signing for a while so receivers can switch.")) return "";
        const r = await api("POST", path + "/secret/rotate");
        out.textContent = r.key;
        return "Secret rotated" + (r.previous_valid_until ? "; the old one is valid until " + new Date(r.previous_valid_until).toLocaleString() : "");
      }))];
}

function testBox(path) {
  const type = h("select", { id: "test-type" });
  eventTypes().then((types) => fill(type, types.map((t) => h("option", { value: t, selected: t === "workout.created" }, t))));
  const out = h("div", { id: "test-result", "aria-live": "polite" });
  return [h("div", { class: "row" }, field("Event type", type),
    actionButton("Send test", async () => {
      const r = await api("POST", path + "/test", { body: { event_type: type.value } });
      fill(out, h("p", {}, r.success ? pill("delivered", "ok") : pill("failed", "bad"), " HTTP " + (r.status_code || "—") + " in " + r.duration_ms + " ms",
        r.error ? " · " + r.error : ""), r.response_body ? h("pre", {}, r.response_body) : null);
      return "";
    }, { id: "send-test" })), out];
}

function recoverBox(path) {
  const now = new Date();
  const since = h("input", { type: "datetime-local", id: "recover-since", value: localInput(new Date(now - 3600e3)) });
  const until = h("input", { type: "datetime-local", id: "recover-until", value: localInput(now) });
  return h("div", { class: "row" }, field("Since", since), field("Until", until),
    actionButton("Recover", async () => {
      const r = await api("POST", path + "/recover", { body: { since: fromLocalInput(since.value).toISOString(), until: fromLocalInput(until.value).toISOString() } });
      return r.queued + " events queued again, with their original webhook-ids";
    }), h("small", { class: "muted" }, "Re-delivers what the endpoint would have received in the range (at most 14 days), read again from the stream."));
}

// attempts is an endpoint's delivery log: filters, pages, attempt detail.
function attempts(path, endpointID) {
  const status = select([["", "any status"], ["success", "succeeded"], ["failed", "failed"]], "", { id: "log-status" });
  const type = h("input", { type: "text", id: "log-type", placeholder: "event type, e.g. workout.created" });
  const after = h("input", { type: "datetime-local", id: "log-after" });
  const before = h("input", { type: "datetime-local", id: "log-before" });
  const rows = h("div", { id: "attempts", "aria-live": "polite" });
  const detail = h("div", { id: "attempt-detail" });
  const iterators = [];
  const load = (iterator) => fill(rows, async(async () => {
    const r = await api("GET", path + "/attempts", { query: {
      status: status.value, event_types: type.value.trim(), limit: 25, iterator,
      after: after.value ? fromLocalInput(after.value).toISOString() : "", before: before.value ? fromLocalInput(before.value).toISOString() : "" } });
    return [
      table([
        { label: "When", cell: (a) => timeEl(a.timestamp, { seconds: true }) },
        { label: "Event", cell: (a) => a.event_type },
        { label: "Result", cell: (a) => [a.status === "success" ? pill("ok", "ok") : pill(a.status, "bad"), " ", a.response_status_code || ""] },
        { label: "Try", cell: (a) => "#" + a.attempt + " " + a.trigger_type },
        { label: "Message", cell: (a) => h("button", { type: "button", class: "link attempt-open", onclick: () => showAttempt(a, endpointID, detail) }, a.message_id) },
      ], r.data, "No deliveries match. A delivery appears here a moment after it is sent."),
      h("div", { class: "pager" },
        h("button", { type: "button", disabled: !iterators.length, onclick: () => { iterators.pop(); load(iterators[iterators.length - 1]); } }, "Newer"),
        h("button", { type: "button", disabled: r.done || !r.iterator, onclick: () => { iterators.push(r.iterator); load(r.iterator); } }, "Older")),
    ];
  }));
  const form = h("form", { class: "controls" }, field("Status", status), field("Event type", type), field("After", after), field("Before", before),
    h("button", { type: "submit" }, "Filter"), h("button", { type: "button", id: "log-refresh", onclick: () => load(iterators[iterators.length - 1]) }, "Refresh"));
  form.addEventListener("submit", (ev) => { ev.preventDefault(); iterators.length = 0; load(); });
  load();
  return [form, rows, detail];
}

function showAttempt(a, endpointID, box) {
  fill(box, section("Attempt " + a.attempt + " of " + a.message_id,
    h("dl", { class: "facts" },
      h("dt", {}, "Attempt id"), h("dd", {}, h("code", {}, a.id)),
      h("dt", {}, "Sent"), h("dd", {}, timeEl(a.timestamp, { seconds: true })),
      h("dt", {}, "Trigger"), h("dd", {}, a.trigger_type),
      h("dt", {}, "Answer"), h("dd", {}, (a.response_status_code || "no response") + " in " + a.response_duration_ms + " ms"),
      a.error ? [h("dt", {}, "Error"), h("dd", {}, a.error)] : null,
      a.next_attempt ? [h("dt", {}, "Next try"), h("dd", {}, timeEl(a.next_attempt))] : null),
    h("h3", {}, "Request"),
    h("p", { class: "muted" }, "POST with webhook-id " + a.message_id + " (and svix-id), signed with the endpoint's secret."),
    async(async () => h("pre", {}, JSON.stringify((await api("GET", "/webhooks/messages/" + encodeURIComponent(a.message_id))).payload, null, 2))),
    h("h3", {}, "Response"),
    a.response ? h("pre", {}, a.response) : emptyState("No response body."),
    can("admin") ? h("div", { class: "actions" }, actionButton("Resend", async () => {
      await api("POST", "/webhooks/messages/" + encodeURIComponent(a.message_id) + "/resend", { body: { endpoint_id: endpointID } });
      return "Resend queued: it appears in the log as a manual attempt";
    }, { id: "resend" })) : null));
  box.scrollIntoView({ block: "nearest" });
  box.querySelector("h2")?.setAttribute("tabindex", "-1");
  box.querySelector("h2")?.focus();
}

// messages is the tenant's recent messages across endpoints.
function messages(filter) {
  return async(async () => {
    const r = await api("GET", "/webhooks/messages", { query: { limit: 20, ...filter } });
    return table([
      { label: "When", cell: (m) => timeEl(m.timestamp, { seconds: true }) },
      { label: "Event", cell: (m) => m.event_type },
      { label: "Delivered", cell: (m) => m.delivered ? pill("yes", "ok") : pill("no", "bad") },
      { label: "Attempts", cell: (m) => m.attempts },
      { label: "Endpoints", cell: (m) => (m.endpoint_ids || []).map((id) => can("member") ? h("a", { href: "#/webhooks/" + id }, id.slice(0, 11) + " ") : id.slice(0, 11) + " ") },
    ], r.data, "No messages sent yet.");
  });
}
