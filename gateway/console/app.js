// The console's shell: hash routes (#/users/ID), the login page, the
// navigation offered by the key's role, and the page modules.

import { api, endSession, sessionKey, startSession, takeReason } from "./api.js";
import { errorState, fill, h } from "./ui.js";
import { can, session } from "./session.js";
import { overviewPage } from "./overview.js";
import { usersPage, userPage } from "./users.js";
import { webhooksPage, endpointPage } from "./webhooks.js";
import { credentialsPage, prioritiesPage, providersPage } from "./settings.js";


// Pages in the navigation, with the least role that may open them.
const pages = [
  { path: "overview", label: "Overview", role: "read", page: overviewPage },
  { path: "users", label: "Users", role: "read", page: usersPage },
  { path: "webhooks", label: "Webhooks", role: "read", page: webhooksPage },
  { path: "credentials", label: "Credentials", role: "admin", page: credentialsPage },
  { path: "providers", label: "Providers", role: "read", page: providersPage },
  { path: "priorities", label: "Priorities", role: "read", page: prioritiesPage },
];

const main = () => document.getElementById("main");

function loginPage() {
  document.getElementById("top").hidden = true;
  const reason = takeReason();
  const input = h("input", { type: "password", id: "key", name: "key", autocomplete: "off", required: true, placeholder: "sk-…", "aria-describedby": "key-help" });
  document.getElementById("toast").className = "";
  const msg = h("div", { id: "login-msg", "aria-live": "assertive" }, reason ? errorState({ message: "Logged out, the gateway refused the key: " + reason }) : null);
  const form = h("form", { class: "login card", id: "login" },
    h("h1", {}, "wearstream console"),
    h("label", { for: "key" }, "API key"),
    input,
    h("small", { id: "key-help", class: "muted" }, "The key stays in this browser tab only (sessionStorage) and is sent to this gateway alone."),
    h("button", { type: "submit" }, "Log in"),
    msg);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const key = input.value.trim();
    try {
      const me = await api("GET", "/me", { key });
      startSession(key);
      session.me = me;
      location.hash = "#/overview";
    } catch (e) {
      fill(msg, errorState(e.status === 401 ? { message: "This key was refused: " + e.message } : e));
    }
  });
  fill(main(), form);
  input.focus();
}

function renderNav(current) {
  const nav = document.getElementById("nav");
  fill(nav, pages.filter((p) => can(p.role)).map((p) =>
    h("a", { href: "#/" + p.path, "aria-current": p.path === current ? "page" : null }, p.label)));
  fill(document.getElementById("who"), session.me.tenant + " · " + session.me.role);
  document.getElementById("top").hidden = false;
}

async function route() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  if (parts[0] === "login" || !sessionKey()) {
    session.me = null;
    return loginPage();
  }
  if (!session.me) {
    try {
      session.me = await api("GET", "/me");
    } catch (e) {
      if (e.status === 401) return; // endSession went to the login page
      return fill(main(), errorState(e));
    }
  }
  const name = parts[0] || "overview";
  const page = pages.find((p) => p.path === name);
  renderNav(name);
  if (!page || !can(page.role)) {
    return fill(main(), errorState({ message: page ? "Your key's role (" + session.me.role + ") may not open " + page.label + "." : "No page " + name + "." }));
  }
  let view;
  if (name === "users" && parts[1]) view = userPage(parts[1]);
  else if (name === "webhooks" && parts[1] && can("member")) view = endpointPage(parts[1]);
  else view = page.page();
  document.title = page.label + " · wearstream console";
  fill(main(), view);
  main().focus({ preventScroll: true });
}

document.getElementById("logout").addEventListener("click", () => {
  session.me = null;
  endSession("");
});
window.addEventListener("hashchange", route);
route();
