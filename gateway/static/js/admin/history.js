// History: who changed which hall, seat, session, movie or genre, and when (the audit trail).

import { get } from "../api.js";
import { h, replace } from "../dom.js";
import { showError } from "../notice.js";
import { field, select } from "./forms.js";

const PAGE_SIZE = 25;
const ENTITIES = [
  ["", "Everything"],
  ["hall", "Halls"],
  ["seat", "Seats"],
  ["session", "Sessions"],
  ["movie", "Movies"],
  ["genre", "Genres"],
];

const when = (iso) =>
  new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });

/** "name: Red Hall · type: vip", each value as JSON text when it is not a plain string. */
const changesText = (changes) =>
  Object.entries(changes)
    .map(([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" · ");

/** Names of the accounts that made changes, each asked for once. */
function accountNames() {
  const known = new Map();
  return (userId) => {
    if (!known.has(userId)) {
      known.set(
        userId,
        get(`/api/users/${userId}`)
          .then((account) => account.name || account.email)
          .catch(() => `user ${userId}`),
      );
    }
    return known.get(userId);
  };
}

export async function renderHistory(main, view) {
  const entity = view.query.get("entity") ?? "";
  const page = Math.max(1, Number(view.query.get("page")) || 1);
  const link = (params) => `#/history?${new URLSearchParams({ entity, page, ...params })}`;
  const picker = select("entity", ENTITIES, entity);
  picker.addEventListener(
    "change",
    () => (location.hash = link({ entity: picker.value, page: 1 })),
  );
  const body = h("div", { "aria-live": "polite" }, h("p", { class: "muted", text: "Loading…" }));
  replace(
    main,
    h("h1", { text: "History" }),
    h("p", { class: "muted", text: "Every change to halls, seats, sessions, movies and genres." }),
    h("div", { class: "day-field" }, field("Show", picker)),
    body,
  );
  const query = new URLSearchParams({ page, page_size: PAGE_SIZE });
  if (entity) query.set("entity", entity);
  let reply;
  try {
    reply = await get(`/api/audit?${query}`);
  } catch (failure) {
    replace(body);
    showError(failure);
    return;
  }
  if (view.left) return;
  const nameOf = accountNames();
  const rows = reply.items.map((entry) => {
    const who = h("td", { text: `user ${entry.user_id}` });
    nameOf(entry.user_id).then((name) => (who.textContent = name));
    return h(
      "tr",
      { dataset: { entity: entry.entity, entityId: entry.entity_id } },
      h("td", { text: when(entry.time) }),
      who,
      h("td", { text: `${entry.entity} ${entry.entity_id}` }),
      h("td", {}, h("span", { class: `badge badge--${entry.action}`, text: entry.action })),
      h("td", { class: "history__changes", text: changesText(entry.changes) }),
    );
  });
  const pages = Math.max(1, Math.ceil(reply.total / PAGE_SIZE));
  replace(
    body,
    h(
      "div",
      { class: "card table-scroll" },
      h(
        "table",
        { class: "report-table history-table" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["When", "Who", "What", "Change", "Fields"].map((text) =>
              h("th", { scope: "col", text }),
            ),
          ),
        ),
        h(
          "tbody",
          {},
          rows.length
            ? rows
            : h("tr", {}, h("td", { colspan: 5, class: "muted", text: "No changes yet." })),
        ),
      ),
    ),
    h(
      "nav",
      { class: "week-nav history-pages", "aria-label": "Pages" },
      page > 1
        ? h("a", {
            class: "button button--small button--ghost",
            href: link({ page: page - 1 }),
            text: "← Newer",
          })
        : null,
      h("span", { class: "week-nav__label", text: `Page ${page} of ${pages}` }),
      page < pages
        ? h("a", {
            class: "button button--small button--ghost",
            href: link({ page: page + 1 }),
            text: "Older →",
          })
        : null,
    ),
  );
}
