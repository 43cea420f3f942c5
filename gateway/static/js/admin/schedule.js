// The schedule: a week of one hall's sessions; schedule, move and cancel them.

import { getAll, post, request } from "../api.js";
import { h, replace } from "../dom.js";
import { money, plural, timeOfDay } from "../format.js";
import { notify, showError } from "../notice.js";
import {
  addDays,
  addMinutes,
  dayLabel,
  fromLocalInput,
  localDay,
  parseDay,
  toLocalInput,
  utcDaysBetween,
  weekStart,
} from "./dates.js";
import { bookingsToCancel } from "./figures.js";
import { busy, confirmDialog, field, formActions, FormErrors, select } from "./forms.js";
import { hallName, loadHalls } from "./halls.js";

const DEFAULT_START_HOUR = 18;
const TYPE_PRICES = [
  ["vip", "VIP"],
  ["wheelchair", "Wheelchair"],
  ["companion", "Companion"],
];

/** The sessions of a hall that start within [from, to), by start time. */
async function loadWeek(hallId, from, to) {
  const pages = await Promise.all(
    utcDaysBetween(from, to).map((day) => getAll(`/api/sessions?hall_id=${hallId}&date=${day}`)),
  );
  const byId = new Map(pages.flat().map((session) => [session.id, session]));
  return [...byId.values()]
    .filter((s) => new Date(s.start_time) >= from && new Date(s.start_time) < to)
    .sort((a, b) => a.start_time.localeCompare(b.start_time));
}

const movieLabel = (movie) => `${movie.title} (${movie.year}, ${movie.duration} min)`;

/**
 * The form that schedules a new session or moves an existing one; `onSaved(session)` runs
 * after the API accepted it. 409 overlaps and 422 past or invalid times show on the form.
 */
function sessionForm({ hall, movies, session = null, day = null, onSaved, onClose }) {
  const firstMovie = movies[0];
  const movieId = session?.movie_id ?? firstMovie?.id ?? "";
  const movieSelect = select(
    "movie_id",
    movies.map((movie) => [movie.id, movieLabel(movie)]),
    movieId,
  );
  const startDefault = session
    ? toLocalInput(session.start_time)
    : `${day ?? localDay(addDays(new Date(), 1))}T${String(DEFAULT_START_HOUR).padStart(2, "0")}:00`;
  const start = h("input", {
    name: "start_time",
    type: "datetime-local",
    value: startDefault,
    required: true,
  });
  const end = h("input", { name: "end_time", type: "datetime-local", required: true });
  const price = h("input", {
    name: "base_price",
    type: "number",
    min: "0.01",
    step: "0.01",
    inputmode: "decimal",
    value: session ? money(session.base_price) : "10.00",
  });
  const typePrices = TYPE_PRICES.map(([type, label]) => [
    type,
    label,
    h("input", {
      name: `prices.${type}`,
      type: "number",
      min: "0.01",
      step: "0.01",
      inputmode: "decimal",
      placeholder: "by base price",
      value: session?.prices?.[type] === undefined ? "" : money(session.prices[type]),
    }),
  ]);
  let endTouched = Boolean(session);
  const fillEnd = () => {
    const movie = movies.find((m) => String(m.id) === movieSelect.value);
    const startIso = fromLocalInput(start.value);
    if (!endTouched && movie && startIso)
      end.value = toLocalInput(addMinutes(startIso, movie.duration));
  };
  if (session) end.value = toLocalInput(session.end_time);
  else fillEnd();
  start.addEventListener("change", fillEnd);
  movieSelect.addEventListener("change", fillEnd);
  end.addEventListener("input", () => (endTouched = true));

  const titleText = session ? "Change session" : `New session in ${hallName(hall)}`;
  const form = h(
    "form",
    {
      class: "card console-form session-form",
      novalidate: true,
      "aria-labelledby": "session-form-title",
    },
    h("h2", { id: "session-form-title", text: titleText }),
    h(
      "div",
      { class: "form-grid" },
      field("Movie", movieSelect, { wide: true }),
      field("Starts", start),
      field("Ends", end, { hint: "Filled from the movie's length; add time for ads" }),
      field("Base price", price, { hint: "A standard seat" }),
    ),
    h(
      "fieldset",
      { class: "price-grid" },
      h("legend", { text: "Seat type prices" }),
      h("p", {
        class: "hint",
        text: "Empty: the type's usual share of the base price. Bookings already made keep their price.",
      }),
      typePrices.map(([, label, control]) => field(label, control)),
    ),
  );
  const errors = new FormErrors(form);
  form.append(errors.box, formActions(session ? "Save changes" : "Schedule", onClose));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errors.clear();
    const body = {
      movie_id: Number(movieSelect.value),
      hall_id: hall.id,
      start_time: fromLocalInput(start.value),
      end_time: fromLocalInput(end.value),
      base_price: price.value === "" ? null : Number(price.value),
    };
    const chosen = typePrices.filter(([, , control]) => control.value !== "");
    if (chosen.length || session) {
      body.prices = Object.fromEntries(
        chosen.map(([type, , control]) => [type, Number(control.value)]),
      );
    }
    try {
      const saved = await busy(form, () =>
        session
          ? request("PUT", `/api/sessions/${session.id}`, { body }).then((r) => r.data)
          : post("/api/sessions", body),
      );
      onSaved(saved);
    } catch (failure) {
      errors.show(failure);
    }
  });
  return form;
}

function sessionCard(session, movie, { canEdit, onEdit, onCancel }) {
  const live = session.status === "scheduled";
  return h(
    "li",
    { class: `slot slot--${session.status}`, dataset: { sessionId: session.id } },
    h("p", {
      class: "slot__time",
      text: `${timeOfDay(session.start_time)}–${timeOfDay(session.end_time)}`,
    }),
    h("p", { class: "slot__title", text: movie ? movie.title : `Movie ${session.movie_id}` }),
    h(
      "p",
      { class: "slot__meta" },
      h("span", { text: money(session.base_price) }),
      session.status === "scheduled"
        ? null
        : h("span", { class: `badge badge--${session.status}`, text: session.status }),
    ),
    h(
      "div",
      { class: "slot__actions" },
      h("a", {
        class: "button button--small button--ghost",
        href: `#/sales/${session.id}`,
        text: "Sales",
      }),
      canEdit && live
        ? h("button", {
            type: "button",
            class: "button button--small",
            text: "Edit",
            on: { click: () => onEdit(session) },
          })
        : null,
      canEdit && live
        ? h("button", {
            type: "button",
            class: "button button--small button--ghost button--danger-text",
            text: "Cancel",
            "aria-label": `Cancel the ${timeOfDay(session.start_time)} session`,
            on: { click: () => onCancel(session) },
          })
        : null,
    ),
  );
}

/** What cancelling ends, in words: paid bookings with their seats and money, and holds. */
function cancellationText({ paid, sold, held, revenue }) {
  const parts = [];
  if (paid)
    parts.push(`${plural(paid, "paid booking")} (${plural(sold, "seat")}, ${money(revenue)})`);
  if (held) parts.push(`the unpaid holds on ${plural(held, "seat")}`);
  return parts.length
    ? [`It cancels ${parts.join(" and ")}; their owners are notified.`, "This cannot be undone."]
    : ["Nobody has booked it yet. This cannot be undone."];
}

async function cancelSession(session, movie) {
  let figures;
  try {
    figures = await bookingsToCancel(session);
  } catch (failure) {
    showError(failure);
    return false;
  }
  const when = `${dayLabel(new Date(session.start_time))} ${timeOfDay(session.start_time)}`;
  const booked = figures.sold + figures.held > 0;
  const sure = await confirmDialog({
    title: `Cancel ${movie?.title ?? "this session"} on ${when}?`,
    body: cancellationText(figures),
    confirmText: booked ? "Cancel it and its bookings" : "Cancel session",
    cancelText: "Keep session",
  });
  if (!sure) return false;
  try {
    await request("DELETE", `/api/sessions/${session.id}`);
    notify("Session cancelled.", "success");
    return true;
  } catch (failure) {
    showError(failure);
    return false;
  }
}

export async function renderSchedule(main, view, { canEdit }) {
  replace(main, h("h1", { text: "Schedule" }), h("p", { class: "muted", text: "Loading…" }));
  let halls;
  let movies;
  try {
    [halls, movies] = await Promise.all([loadHalls(), getAll("/api/movies")]);
  } catch (failure) {
    showError(failure);
    return;
  }
  if (view.left) return;
  if (!halls.length) {
    replace(
      main,
      h("h1", { text: "Schedule" }),
      h(
        "p",
        { class: "card empty" },
        "No halls yet. ",
        canEdit ? h("a", { href: "#/halls", text: "Create a hall first." }) : null,
      ),
    );
    return;
  }
  movies.sort((a, b) => a.title.localeCompare(b.title));
  const moviesById = new Map(movies.map((movie) => [movie.id, movie]));
  const hall = halls.find((x) => String(x.id) === view.query.get("hall")) ?? halls[0];
  const from = weekStart(parseDay(view.query.get("week") ?? "") ?? new Date());
  const to = addDays(from, 7);
  const link = (params) => {
    const query = new URLSearchParams({ hall: hall.id, week: localDay(from), ...params });
    return `#/schedule?${query}`;
  };

  const hallPicker = select(
    "hall",
    halls.map((x) => [x.id, hallName(x)]),
    hall.id,
  );
  hallPicker.id = "schedule-hall";
  hallPicker.addEventListener("change", () => (location.hash = link({ hall: hallPicker.value })));
  const formSlot = h("div", { class: "form-slot" });
  const week = h("div", { class: "week", "aria-live": "polite" });

  const closeForm = () => replace(formSlot);
  const openForm = (options) => {
    const form = sessionForm({
      hall,
      movies,
      ...options,
      onClose: closeForm,
      onSaved: async (saved) => {
        closeForm();
        notify(options.session ? "Session changed." : "Session scheduled.", "success");
        const savedWeek = localDay(weekStart(new Date(saved.start_time)));
        if (savedWeek !== localDay(from)) location.hash = link({ week: savedWeek });
        else await drawWeek();
      },
    });
    replace(formSlot, form);
    form.querySelector("select, input")?.focus();
  };

  let draws = 0;
  /** Draws the week again; an answer overtaken by a later draw is dropped. */
  async function drawWeek() {
    draws += 1;
    const draw = draws;
    let sessions;
    try {
      sessions = await loadWeek(hall.id, from, to);
    } catch (failure) {
      showError(failure);
      return;
    }
    if (view.left || draw !== draws) return;
    const days = Array.from({ length: 7 }, (_, i) => addDays(from, i));
    const today = localDay(new Date());
    replace(
      week,
      days.map((day) => {
        const key = localDay(day);
        const ofDay = sessions.filter((s) => localDay(new Date(s.start_time)) === key);
        return h(
          "section",
          {
            class: key === today ? "day-column day-column--today" : "day-column",
            dataset: { day: key },
            "aria-label": dayLabel(day),
          },
          h("h2", { class: "day-column__title", text: dayLabel(day) }),
          ofDay.length
            ? h(
                "ul",
                { class: "slots" },
                ofDay.map((session) =>
                  sessionCard(session, moviesById.get(session.movie_id), {
                    canEdit,
                    onEdit: (s) => openForm({ session: s }),
                    onCancel: async (s) => {
                      if (await cancelSession(s, moviesById.get(s.movie_id))) await drawWeek();
                    },
                  }),
                ),
              )
            : h("p", { class: "muted slots__empty", text: "No sessions" }),
          canEdit && key >= today
            ? h("button", {
                type: "button",
                class: "button button--small button--ghost day-column__add",
                text: "+ Add",
                "aria-label": `Add a session on ${dayLabel(day)}`,
                on: { click: () => openForm({ day: key }) },
              })
            : null,
        );
      }),
    );
  }

  replace(
    main,
    h(
      "div",
      { class: "page-head" },
      h("h1", { text: "Schedule" }),
      canEdit
        ? h("button", {
            type: "button",
            class: "button button--primary",
            text: "New session",
            on: { click: () => openForm({}) },
          })
        : null,
    ),
    h(
      "div",
      { class: "schedule-bar" },
      h(
        "div",
        { class: "field field--inline" },
        h("label", { for: "schedule-hall", text: "Hall" }),
        hallPicker,
      ),
      h(
        "nav",
        { class: "week-nav", "aria-label": "Weeks" },
        h("a", {
          class: "button button--small button--ghost",
          href: link({ week: localDay(addDays(from, -7)) }),
          text: "← Previous",
          "aria-label": "Previous week",
        }),
        h("span", {
          class: "week-nav__label",
          text: `${dayLabel(from)} – ${dayLabel(addDays(to, -1))}`,
        }),
        h("a", {
          class: "button button--small button--ghost",
          href: link({ week: localDay(weekStart(new Date())) }),
          text: "This week",
        }),
        h("a", {
          class: "button button--small button--ghost",
          href: link({ week: localDay(to) }),
          text: "Next →",
          "aria-label": "Next week",
        }),
      ),
    ),
    formSlot,
    week,
  );
  await drawWeek();
}
