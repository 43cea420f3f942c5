// The console: sign-in, the role's navigation, and hash routes to its screens.

import * as auth from "../auth.js";
import { h, replace } from "../dom.js";
import { dismiss, notify } from "../notice.js";
import { renderCatalogue } from "./catalogue.js";
import { busy, field, FormErrors } from "./forms.js";
import { renderHalls } from "./halls.js";
import { renderHistory } from "./history.js";
import { renderLayout } from "./layout.js";
import { renderSalesOverview, renderSessionSales } from "./sales.js";
import { renderSchedule } from "./schedule.js";

const SCREENS = {
  halls: { label: "Halls", roles: ["admin"] },
  schedule: { label: "Schedule", roles: ["admin", "staff"] },
  catalogue: { label: "Catalogue", roles: ["admin", "staff"] },
  sales: { label: "Sales", roles: ["admin", "staff"] },
  history: { label: "History", roles: ["admin"] },
};

const ROUTES = [
  [/^\/halls$/, renderHalls, "Halls", "halls"],
  [/^\/halls\/(\d+)$/, renderLayout, "Hall layout", "halls"],
  [/^\/schedule$/, renderSchedule, "Schedule", "schedule"],
  [/^\/catalogue$/, renderCatalogue, "Catalogue", "catalogue"],
  [/^\/sales$/, renderSalesOverview, "Sales", "sales"],
  [/^\/sales\/(\d+)$/, renderSessionSales, "Live sales", "sales"],
  [/^\/history$/, renderHistory, "History", "history"],
];

const CONSOLE_ROLES = new Set(["admin", "staff"]);
const main = document.getElementById("main");
let current = null;

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, search = ""] = raw.split("?");
  return { path, query: new URLSearchParams(search) };
}

function newView(params, query) {
  const callbacks = [];
  return {
    left: false,
    params,
    query,
    onLeave: (callback) => callbacks.push(callback),
    leave() {
      this.left = true;
      callbacks.splice(0).forEach((callback) => callback());
    },
  };
}

function route() {
  current?.leave();
  current = null;
  const profile = auth.user();
  renderNav(profile);
  if (!profile) {
    document.title = "Sign in · Console · Cinema Hall";
    renderSignIn();
    return;
  }
  if (!CONSOLE_ROLES.has(profile.role)) {
    document.title = "Console · Cinema Hall";
    replace(
      main,
      h(
        "section",
        { class: "card console-gate" },
        h("h1", { text: "This console is for cinema staff" }),
        h("p", {}, "You are signed in as ", h("strong", { text: profile.email }), "."),
        h("p", { text: "Ask an admin to give your account the staff or admin role." }),
        h("p", {}, h("a", { href: "/", text: "Go to the booking page" })),
      ),
    );
    return;
  }
  const { path, query } = parseHash();
  if (path === "/") {
    location.replace(profile.role === "admin" ? "#/halls" : "#/sales");
    return;
  }
  const match = ROUTES.map(([pattern, ...rest]) => [path.match(pattern), ...rest]).find(
    ([found]) => found,
  );
  if (!match) {
    document.title = "Not found · Console · Cinema Hall";
    replace(main, h("h1", { text: "Page not found" }), h("a", { href: "#/", text: "Start" }));
    return;
  }
  const [found, render, title, screen] = match;
  markNav(screen);
  document.title = `${title} · Console · Cinema Hall`;
  current = newView(found.slice(1), query);
  render(main, current, { profile, canEdit: profile.role === "admin" });
}

function renderNav(profile) {
  const nav = document.getElementById("console-nav");
  const role = profile?.role;
  replace(
    nav,
    Object.entries(SCREENS)
      .filter(([, screen]) => screen.roles.includes(role))
      .map(([key, screen]) => h("a", { href: `#/${key}`, text: screen.label, dataset: { key } })),
  );
  renderAccount(profile);
}

function markNav(screen) {
  for (const link of document.querySelectorAll("#console-nav a")) {
    if (link.dataset.key === screen) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function renderAccount(profile) {
  const account = document.getElementById("account");
  if (!profile) {
    replace(
      account,
      h("a", { class: "button button--ghost button--small", href: "/", text: "Booking page" }),
    );
    return;
  }
  replace(
    account,
    h("span", { class: "account__name", text: profile.name, title: profile.email }),
    h("span", { class: `badge badge--role badge--${profile.role}`, text: profile.role }),
    h("button", {
      type: "button",
      class: "button button--ghost button--small",
      text: "Log out",
      on: {
        click: async () => {
          await auth.logout();
          notify("You are logged out.", "info");
        },
      },
    }),
  );
}

function renderSignIn() {
  const email = h("input", {
    name: "email",
    type: "email",
    autocomplete: "username",
    required: true,
  });
  const password = h("input", {
    name: "password",
    type: "password",
    autocomplete: "current-password",
    required: true,
  });
  const form = h(
    "form",
    { class: "card auth-form", novalidate: true },
    h("h1", { text: "Console sign-in" }),
    h("p", { class: "muted", text: "For admins and staff of the cinema." }),
    field("Email", email),
    field("Password", password),
  );
  const errors = new FormErrors(form);
  form.append(
    errors.box,
    h("button", { type: "submit", class: "button button--primary button--wide", text: "Sign in" }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errors.clear();
    const values = { email: email.value.trim(), password: password.value };
    try {
      await busy(form, () => auth.login(values.email, values.password));
      dismiss();
    } catch (failure) {
      errors.show(failure);
    }
  });
  replace(main, form);
  email.focus();
}

let signedInAs = null;
auth.onChange((profile) => {
  const now = profile ? `${profile.id}:${profile.role}` : null;
  if (now === signedInAs) {
    renderAccount(profile);
    return;
  }
  signedInAs = now;
  route();
});

window.addEventListener("hashchange", () => {
  dismiss();
  route();
  main.focus({ preventScroll: true });
  window.scrollTo(0, 0);
});

replace(main, h("p", { class: "muted", text: "Loading…" }));
auth.restore().then((profile) => {
  if (!profile) route();
});
