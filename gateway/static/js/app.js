// The page: header, hash routes to views, and who is signed in.

import * as auth from "./auth.js";
import { h, replace } from "./dom.js";
import { dismiss, notify } from "./notice.js";
import { loginLink, renderLogin, renderRegister } from "./views/auth.js";
import { render as renderBookings } from "./views/bookings.js";
import { render as renderMovie } from "./views/movie.js";
import { render as renderMovies } from "./views/movies.js";
import { render as renderSession } from "./views/session.js";

const ROUTES = [
  [/^\/$/, renderMovies, "Movies"],
  [/^\/movies\/(\d+)$/, renderMovie, "Movie"],
  [/^\/sessions\/(\d+)$/, renderSession, "Seats"],
  [/^\/bookings$/, renderBookings, "My bookings", { signedIn: true }],
  [/^\/login$/, renderLogin, "Log in"],
  [/^\/register$/, renderRegister, "Sign up"],
];

const main = document.getElementById("main");
let current = null; // the view being shown: {left, leave()}

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, search = ""] = raw.split("?");
  return { path, query: new URLSearchParams(search) };
}

function route() {
  current?.leave();
  const { path, query } = parseHash();
  const match = ROUTES.map(([pattern, ...rest]) => [path.match(pattern), ...rest]).find(([m]) => m);
  const callbacks = [];
  const view = {
    left: false,
    query,
    params: match ? match[0].slice(1) : [],
    onLeave: (callback) => callbacks.push(callback),
    leave() {
      this.left = true;
      callbacks.splice(0).forEach((callback) => callback());
    },
  };
  current = view;
  markNav(path);
  if (!match) {
    document.title = "Not found · Cinema Hall";
    replace(
      main,
      h("h1", { text: "Page not found" }),
      h("p", {}, h("a", { href: "#/", text: "Back to the movies" })),
    );
    return;
  }
  const [, render, title, options = {}] = match;
  if (options.signedIn && !auth.signedIn()) {
    location.replace(loginLink(location.hash));
    return;
  }
  document.title = `${title} · Cinema Hall`;
  render(main, view);
}

function markNav(path) {
  for (const link of document.querySelectorAll(".nav a")) {
    const target = link.getAttribute("href").slice(1);
    const active =
      target === "/" ? path === "/" || path.startsWith("/movies") : path.startsWith(target);
    if (active) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function renderAccount(profile) {
  const account = document.getElementById("account");
  if (auth.signedIn()) {
    replace(
      account,
      h("span", { class: "account__name", text: profile?.name ?? "", title: profile?.email ?? "" }),
      h("button", {
        type: "button",
        class: "button button--ghost button--small",
        text: "Log out",
        on: {
          click: () => {
            auth.logout();
            notify("You are logged out.", "info");
            if (parseHash().path === "/bookings") location.hash = "#/";
          },
        },
      }),
    );
  } else {
    replace(
      account,
      h("a", {
        class: "button button--ghost button--small",
        href: loginLink(location.hash),
        text: "Log in",
      }),
      h("a", {
        class: "button button--primary button--small",
        href: `#/register?next=${encodeURIComponent(location.hash || "#/")}`,
        text: "Sign up",
      }),
    );
  }
}

let previousSignedIn = auth.signedIn();
auth.onChange((profile) => {
  renderAccount(profile);
  const now = auth.signedIn();
  if (now !== previousSignedIn) {
    previousSignedIn = now;
    const { path } = parseHash();
    if (path.startsWith("/sessions/") || (path === "/bookings" && now)) route();
  }
});

window.addEventListener("hashchange", () => {
  dismiss();
  route();
  renderAccount(auth.user());
  main.focus({ preventScroll: true });
  window.scrollTo(0, 0);
});

renderAccount(null);
route();
auth.restore();
