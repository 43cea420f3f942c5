// One movie and its upcoming showtimes, grouped by day.

import { get, getAll } from "../api.js";
import { msUntil } from "../clock.js";
import { config } from "../config.js";
import { h, replace } from "../dom.js";
import { dayHeading, dayKey, fullDate, money, nextDays, timeOfDay, zoneName } from "../format.js";
import { showError } from "../notice.js";
import { genreChips, movieMeta, poster, STATUS_NAMES } from "./movies.js";

const DAYS_AHEAD = 7;

/** "12 seats left", "Sold out", or nothing when the list does not say. */
function seatsLeft(session) {
  if (session.seats_left === undefined || session.seats_left === null) return "";
  if (session.seats_left === 0) return "Sold out";
  return `${session.seats_left} ${session.seats_left === 1 ? "seat" : "seats"} left`;
}

function chip(session) {
  const left = seatsLeft(session);
  const soldOut = session.seats_left === 0;
  const from = `from ${money(session.lowest_price ?? session.base_price)}`;
  const when = `${dayHeading(session.start_time)} at ${timeOfDay(session.start_time)} ${zoneName(session.start_time)}`;
  const hall = session.hall_name ?? "";
  return h(
    "li",
    {},
    h(
      "a",
      {
        class: `time${soldOut ? " time--sold-out" : ""}`,
        href: `#/sessions/${session.id}`,
        dataset: { sessionId: session.id },
        "aria-label": [when, hall, left, soldOut ? "" : from].filter(Boolean).join(", "),
      },
      h("strong", { class: "time__clock", text: timeOfDay(session.start_time) }),
      hall ? h("span", { class: "time__hall", text: hall }) : null,
      left ? h("span", { class: "time__left", text: left }) : null,
      soldOut ? null : h("span", { class: "time__price", text: from }),
    ),
  );
}

/** "Europe/Berlin (CET)", or just "UTC" when the two are the same. */
function zoneLabel() {
  const place = config.timeZone.replace(/_/g, " ");
  const short = zoneName(new Date().toISOString());
  return short === config.timeZone ? place : `${place} (${short})`;
}

/** The next days as tabs, each with its showtimes; days without any are shown but quiet. */
function showtimes(sessions) {
  const upcoming = sessions
    .filter((session) => session.status === "scheduled" && msUntil(session.start_time) > 0)
    .sort((a, b) => Date.parse(a.start_time) - Date.parse(b.start_time));
  if (upcoming.length === 0) return h("p", { class: "empty", text: "No upcoming showtimes." });
  const byDay = new Map(nextDays(DAYS_AHEAD).map((iso) => [dayKey(iso), { iso, sessions: [] }]));
  for (const session of upcoming) byDay.get(dayKey(session.start_time))?.sessions.push(session);
  const later = upcoming.filter((session) => !byDay.has(dayKey(session.start_time)));
  const days = [...byDay.values()];
  let chosen = Math.max(
    0,
    days.findIndex((day) => day.sessions.length > 0),
  );
  const list = h("div", { class: "day", role: "tabpanel", id: "day-panel" });
  const tabs = days.map((day, index) =>
    h(
      "button",
      {
        type: "button",
        role: "tab",
        class: "day-tab",
        id: `day-tab-${index}`,
        "aria-controls": "day-panel",
        dataset: { day: dayKey(day.iso), count: day.sessions.length },
        on: { click: () => choose(index, false) },
      },
      h("span", { class: "day-tab__name", text: dayHeading(day.iso).split(" · ")[0] }),
      h("span", { class: "day-tab__count", text: day.sessions.length ? plainCount(day) : "–" }),
    ),
  );
  function plainCount(day) {
    return `${day.sessions.length} ${day.sessions.length === 1 ? "show" : "shows"}`;
  }
  function choose(index, focus) {
    chosen = index;
    tabs.forEach((tab, i) => {
      tab.setAttribute("aria-selected", String(i === index));
      tab.tabIndex = i === index ? 0 : -1;
    });
    if (focus) tabs[index].focus();
    const day = days[index];
    list.setAttribute("aria-labelledby", tabs[index].id);
    replace(
      list,
      h("h3", { class: "day__title", text: dayHeading(day.iso) }),
      day.sessions.length
        ? h("ul", { class: "times" }, day.sessions.map(chip))
        : h("p", { class: "empty", text: `No showtimes on ${fullDate(day.iso)}.` }),
    );
  }
  const tablist = h(
    "div",
    { class: "day-tabs", role: "tablist", "aria-label": "Day" },
    tabs,
  );
  tablist.addEventListener("keydown", (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    event.preventDefault();
    choose((chosen + step + days.length) % days.length, true);
  });
  choose(chosen, false);
  return h(
    "div",
    { class: "showtimes" },
    h("p", {
      class: "muted zone-note",
      text: `Times are in the cinema's time zone, ${zoneLabel()}.`,
    }),
    tablist,
    list,
    later.length
      ? h("p", { class: "muted", text: `${later.length} more later than a week from now.` })
      : null,
  );
}

export async function render(main, { params }) {
  const id = params[0];
  const times = h(
    "div",
    { "aria-busy": "true" },
    h("p", { class: "muted", text: "Loading showtimes…" }),
  );
  replace(main, h("p", { class: "muted", text: "Loading…" }));
  let movie;
  try {
    movie = await get(`/api/movies/${id}`);
  } catch (error) {
    replace(
      main,
      h("a", { href: "#/", class: "back", text: "← All movies" }),
      h("h1", { text: "Movie not found" }),
    );
    showError(error);
    return;
  }
  replace(
    main,
    h("a", { href: "#/", class: "back", text: "← All movies" }),
    h(
      "article",
      { class: "movie-detail" },
      poster(movie, "poster--large"),
      h(
        "div",
        { class: "movie-detail__body" },
        h("h1", { text: movie.title }),
        h("p", { class: "muted", text: movieMeta(movie) }),
        genreChips(movie),
        h("span", {
          class: `badge badge--${movie.movie_status}`,
          text: STATUS_NAMES[movie.movie_status],
        }),
        movie.description ? h("p", { class: "description", text: movie.description }) : null,
        movie.trailer_url
          ? h("a", {
              class: "button button--ghost",
              href: movie.trailer_url,
              target: "_blank",
              rel: "noopener noreferrer",
              text: "Watch the trailer",
            })
          : null,
      ),
    ),
    h("h2", { text: "Showtimes" }),
    times,
  );
  try {
    const sessions = await getAll(`/api/sessions?movie_id=${encodeURIComponent(id)}`);
    replace(times, showtimes(sessions));
  } catch (error) {
    replace(times, h("p", { class: "empty", text: "Showtimes are unavailable right now." }));
    showError(error, "Could not load showtimes: ");
  } finally {
    times.setAttribute("aria-busy", "false");
  }
}
