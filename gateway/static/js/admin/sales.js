// Sales: a day's sessions, totals per day and per movie with CSV exports, and one session's
// sales live on its seat map (the customers' own feed).

import { get, getAll, request } from "../api.js";
import { h, replace } from "../dom.js";
import { money, timeOfDay } from "../format.js";
import { showError } from "../notice.js";
import { SeatMap } from "../seatmap.js";
import { fetchSeats, SeatSync } from "../seatsync.js";
import { addDays, dayLabel, localDay, parseDay, utcDaysBetween } from "./dates.js";
import { loadReport } from "./figures.js";
import { field } from "./forms.js";
import { hallName, loadHalls } from "./halls.js";
import { SEAT_TYPES } from "./layout.js";

const LIVE_TEXT = {
  connecting: "Connecting…",
  open: "Live",
  reconnecting: "Reconnecting…",
  gone: "Offline",
};
const REPORT_DELAY_MS = 250;
const TOTALS_DAYS_BACK = 7;
const TOTALS_DAYS_AHEAD = 7;
const GROUPS = [
  ["day", "By day"],
  ["movie", "By movie"],
];

/** A seat map that only shows: nobody picks seats here, and every change is counted. */
class SalesSeatMap extends SeatMap {
  constructor(onChange) {
    super({ maxSeats: 0, onSelect: () => {}, onLimit: () => {} });
    this.onChange = onChange;
    this.setLocked(true);
  }

  setSeats(seats, options) {
    const lost = super.setSeats(seats, options);
    this.onChange(this.seats);
    return lost;
  }

  setStatus(seatIds, status, options) {
    const lost = super.setStatus(seatIds, status, options);
    this.onChange(this.seats);
    return lost;
  }
}

/** The price of each seat type in the hall, as the seat map charges it now. */
function typePrices(seats) {
  const prices = new Map();
  for (const seat of seats) if (!prices.has(seat.type)) prices.set(seat.type, seat.price);
  return SEAT_TYPES.filter(([type]) => prices.has(type)).map(([type, label]) =>
    h("li", { dataset: { type } }, `${label} `, h("strong", { text: money(prices.get(type)) })),
  );
}

function stat(name, label) {
  const value = h("span", { class: "stat__value", text: "…" });
  return {
    value,
    element: h(
      "div",
      { class: `stat stat--${name}`, dataset: { stat: name } },
      h("span", { class: "stat__label", text: label }),
      value,
    ),
  };
}

export async function renderSessionSales(main, view) {
  const sessionId = Number(view.params[0]);
  replace(main, h("p", { class: "muted", text: "Loading sales…" }));
  let aggregate;
  let initial;
  try {
    [aggregate, initial] = await Promise.all([
      get(`/api/sessions/${sessionId}/aggregate`),
      fetchSeats(sessionId),
    ]);
  } catch (failure) {
    replace(
      main,
      h("a", { class: "back", href: "#/sales", text: "← Sales" }),
      h("h1", { text: "Session not found" }),
    );
    showError(failure);
    return;
  }
  if (view.left) return;
  const { session, movie, hall } = aggregate;
  const stats = {
    sold: stat("sold", "Sold"),
    held: stat("held", "Held"),
    free: stat("free", "Free"),
    revenue: stat("revenue", "Revenue"),
  };
  const bar = h("div", { class: "occupancy", "aria-hidden": "true" });
  const liveText = h("span", { class: "live__text", text: LIVE_TEXT.connecting });
  const liveChip = h(
    "span",
    { class: "live", dataset: { live: "connecting" } },
    h("span", { class: "live__dot", "aria-hidden": "true" }),
    liveText,
  );

  let reportTimer = 0;
  const refreshRevenue = () => {
    clearTimeout(reportTimer);
    reportTimer = setTimeout(async () => {
      try {
        const report = await loadReport(sessionId);
        if (!view.left) stats.revenue.value.textContent = money(report.revenue);
      } catch (failure) {
        stats.revenue.value.textContent = "—";
        stats.revenue.value.title = failure.message;
      }
    }, REPORT_DELAY_MS);
  };

  const count = (seats) => {
    const by = { free: 0, held: 0, booked: 0 };
    for (const seat of seats) by[seat.status] = (by[seat.status] ?? 0) + 1;
    stats.sold.value.textContent = String(by.booked);
    stats.held.value.textContent = String(by.held);
    stats.free.value.textContent = String(by.free);
    const total = Math.max(1, seats.length);
    bar.style.setProperty("--sold", `${(100 * by.booked) / total}%`);
    bar.style.setProperty("--held", `${(100 * by.held) / total}%`);
    refreshRevenue();
  };

  const seatmap = new SalesSeatMap(count);
  const priceList = h("ul", { class: "legend__list sales-legend", "aria-label": "Prices" });
  replace(
    main,
    h("a", { class: "back", href: "#/sales", text: "← Sales" }),
    h(
      "header",
      { class: "session-head" },
      h("h1", { text: movie?.title ?? "Session" }),
      h(
        "p",
        { class: "session-head__meta" },
        h("span", {
          text: `${dayLabel(new Date(session.start_time))} · ${timeOfDay(session.start_time)}–${timeOfDay(session.end_time)}`,
        }),
        h("span", { text: hallName(hall) }),
        session.status === "scheduled"
          ? null
          : h("span", { class: `badge badge--${session.status}`, text: session.status }),
        liveChip,
      ),
    ),
    h(
      "section",
      { class: "stats", "aria-label": "Sales of this session", "aria-live": "polite" },
      Object.values(stats).map((s) => s.element),
    ),
    bar,
    h(
      "section",
      { class: "card seat-card", "aria-label": "Seat map" },
      seatmap.element,
      h(
        "ul",
        { class: "legend__list sales-legend", "aria-label": "Seat colours" },
        [
          ["free", "Free"],
          ["held", "Held"],
          ["booked", "Sold"],
        ].map(([state, label]) =>
          h(
            "li",
            {},
            h("span", { class: "swatch seat", dataset: { state }, "aria-hidden": "true" }),
            label,
          ),
        ),
      ),
      priceList,
    ),
  );

  const sync = new SeatSync(sessionId, seatmap, initial, {
    onReplaced: () => replace(priceList, typePrices(seatmap.seats)),
    onLost: () => {},
    onState: (state) => {
      liveChip.dataset.live = state;
      liveText.textContent = LIVE_TEXT[state];
    },
  }).start();
  view.onLeave(() => {
    sync.stop();
    seatmap.destroy();
    clearTimeout(reportTimer);
  });
}

/** A sales table of report rows, with a CSV export of the same query. */
function totalsTable(group, label, rows, query) {
  const download = h("button", {
    type: "button",
    class: "button button--small",
    text: "Download CSV",
    "aria-label": `Download ${label.toLowerCase()} as CSV`,
    on: {
      click: async () => {
        try {
          const reply = await request("GET", `/api/reports/sales?${query}&format=csv`, {
            text: true,
            headers: { Accept: "text/csv" },
          });
          const url = URL.createObjectURL(new Blob([reply.data], { type: "text/csv" }));
          const link = h("a", {
            href: url,
            download: `sales-by-${group}-${query.get("from")}-${query.get("to")}.csv`,
          });
          document.body.append(link);
          link.click();
          link.remove();
          setTimeout(() => URL.revokeObjectURL(url), 1000);
        } catch (failure) {
          showError(failure);
        }
      },
    },
  });
  const sum = (key) => rows.reduce((total, row) => total + Number(row[key]), 0);
  return h(
    "section",
    { class: "card totals", dataset: { group } },
    h("div", { class: "totals__head" }, h("h3", { text: label }), download),
    h(
      "div",
      { class: "table-scroll" },
      h(
        "table",
        { class: "report-table" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["", "Bookings", "Seats sold", "Revenue"].map((text) =>
              h("th", { scope: "col", text }),
            ),
          ),
        ),
        h(
          "tbody",
          {},
          rows.length
            ? rows.map((row) =>
                h(
                  "tr",
                  { dataset: { key: row.key } },
                  h("th", { scope: "row", text: row.label }),
                  h("td", { text: row.bookings }),
                  h("td", { text: row.seats_sold }),
                  h("td", { text: money(row.revenue) }),
                ),
              )
            : h("tr", {}, h("td", { colspan: 4, class: "muted", text: "No sales in these days." })),
        ),
        rows.length
          ? h(
              "tfoot",
              {},
              h(
                "tr",
                {},
                h("th", { scope: "row", text: "Total" }),
                h("td", { text: sum("bookings") }),
                h("td", { text: sum("seats_sold") }),
                h("td", { text: money(sum("revenue")) }),
              ),
            )
          : null,
      ),
    ),
  );
}

/** Totals of sessions starting in a range of days: the last week and the week ahead at first. */
function totalsSection(view) {
  const from = h("input", {
    name: "from",
    type: "date",
    value: view.query.get("from") ?? localDay(addDays(new Date(), -TOTALS_DAYS_BACK)),
  });
  const to = h("input", {
    name: "to",
    type: "date",
    value: view.query.get("to") ?? localDay(addDays(new Date(), TOTALS_DAYS_AHEAD)),
  });
  const results = h("div", { class: "totals-grid", "aria-live": "polite" });
  const show = async () => {
    replace(results, h("p", { class: "muted", text: "Loading totals…" }));
    try {
      const tables = await Promise.all(
        GROUPS.map(async ([group, label]) => {
          const query = new URLSearchParams({ from: from.value, to: to.value, group_by: group });
          const rows = await getAll(`/api/reports/sales?${query}`);
          return totalsTable(group, label, rows, query);
        }),
      );
      if (!view.left) replace(results, tables);
    } catch (failure) {
      replace(results, h("p", { class: "form-error", role: "alert", text: failure.message }));
    }
  };
  const form = h(
    "form",
    { class: "totals-form", novalidate: true },
    field("From", from),
    field("To", to),
    h("button", { type: "submit", class: "button button--primary", text: "Show totals" }),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    show();
  });
  show();
  return h(
    "section",
    { class: "sales-totals", "aria-labelledby": "totals-title" },
    h("h2", { id: "totals-title", text: "Totals" }),
    form,
    results,
  );
}

/** "12 sold · 150.00" from a sales row by session (none: nothing sold yet). */
const soldText = (row) => `${row?.seats_sold ?? 0} sold · ${money(row?.revenue ?? 0)}`;

async function daySessions(day, list, view) {
  const start = parseDay(day) ?? new Date();
  const end = addDays(start, 1);
  replace(list, h("li", { class: "muted", text: "Loading sessions…" }));
  try {
    const around = new URLSearchParams({
      from: localDay(addDays(start, -1)),
      to: localDay(end),
      group_by: "session",
    });
    const [halls, pages, sold] = await Promise.all([
      loadHalls(),
      Promise.all(utcDaysBetween(start, end).map((d) => getAll(`/api/sessions?date=${d}`))),
      getAll(`/api/reports/sales?${around}`),
    ]);
    const soldBySession = new Map(sold.map((row) => [row.key, row]));
    const byId = new Map(pages.flat().map((s) => [s.id, s]));
    const sessions = [...byId.values()]
      .filter((s) => new Date(s.start_time) >= start && new Date(s.start_time) < end)
      .sort((a, b) => a.start_time.localeCompare(b.start_time));
    const movieIds = [...new Set(sessions.map((s) => s.movie_id))];
    const movies = new Map(
      await Promise.all(
        movieIds.map(async (id) => [id, await get(`/api/movies/${id}`).catch(() => null)]),
      ),
    );
    const hallsById = new Map(halls.map((x) => [x.id, x]));
    if (view.left) return;
    replace(
      list,
      sessions.length
        ? sessions.map((s) =>
            h(
              "li",
              {},
              h(
                "a",
                { class: "session-link", href: `#/sales/${s.id}`, dataset: { sessionId: s.id } },
                h("strong", { class: "session-link__time", text: timeOfDay(s.start_time) }),
                h("span", {
                  class: "session-link__title",
                  text: movies.get(s.movie_id)?.title ?? `Movie ${s.movie_id}`,
                }),
                h("span", {
                  class: "muted",
                  text: hallsById.has(s.hall_id) ? hallName(hallsById.get(s.hall_id)) : "",
                }),
                s.status === "scheduled"
                  ? null
                  : h("span", { class: `badge badge--${s.status}`, text: s.status }),
                h("span", {
                  class: "session-link__sold",
                  text: soldText(soldBySession.get(String(s.id))),
                }),
              ),
            ),
          )
        : h("li", { class: "empty", text: `No sessions on ${dayLabel(start)}.` }),
    );
  } catch (failure) {
    replace(list, h("li", { class: "form-error", text: failure.message }));
  }
}

export async function renderSalesOverview(main, view) {
  const day = view.query.get("date") ?? localDay(new Date());
  const dayInput = h("input", { name: "date", type: "date", value: day });
  dayInput.addEventListener("change", () => {
    if (dayInput.value) location.hash = `#/sales?date=${dayInput.value}`;
  });
  const list = h("ul", { class: "session-links", "aria-label": "Sessions" });
  replace(
    main,
    h("h1", { text: "Sales" }),
    h(
      "section",
      { class: "card", "aria-labelledby": "day-title" },
      h("h2", { id: "day-title", text: "Sessions" }),
      h("p", { class: "muted", text: "Open a session to watch its seats sell, live." }),
      h("div", { class: "day-field" }, field("Day", dayInput)),
      list,
    ),
    totalsSection(view),
  );
  await daySessions(day, list, view);
}
