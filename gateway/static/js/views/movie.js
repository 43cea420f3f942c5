// One movie and its upcoming showtimes, grouped by day.

import { get, getAll } from "../api.js";
import { msUntil } from "../clock.js";
import { h, replace } from "../dom.js";
import { dayHeading, dayKey, money, timeOfDay } from "../format.js";
import { showError } from "../notice.js";
import { genreChips, movieMeta, poster, STATUS_NAMES } from "./movies.js";

function showtimes(sessions) {
  const upcoming = sessions
    .filter((session) => session.status === "scheduled" && msUntil(session.start_time) > 0)
    .sort((a, b) => Date.parse(a.start_time) - Date.parse(b.start_time));
  if (upcoming.length === 0) return h("p", { class: "empty", text: "No upcoming showtimes." });
  const days = new Map();
  for (const session of upcoming) {
    const key = dayKey(session.start_time);
    if (!days.has(key)) days.set(key, []);
    days.get(key).push(session);
  }
  return h(
    "div",
    { class: "days" },
    [...days.values()].map((day) =>
      h(
        "section",
        { class: "day", "aria-label": dayHeading(day[0].start_time) },
        h("h3", { class: "day__title", text: dayHeading(day[0].start_time) }),
        h(
          "ul",
          { class: "times" },
          day.map((session) =>
            h(
              "li",
              {},
              h(
                "a",
                {
                  class: "time",
                  href: `#/sessions/${session.id}`,
                  dataset: { sessionId: session.id },
                  "aria-label": `${dayHeading(session.start_time)} at ${timeOfDay(session.start_time)}, from ${money(session.base_price)}`,
                },
                h("strong", { text: timeOfDay(session.start_time) }),
                h("span", { class: "muted", text: `from ${money(session.base_price)}` }),
              ),
            ),
          ),
        ),
      ),
    ),
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
