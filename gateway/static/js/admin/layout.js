// The hall designer: the real seat grid, a tool to retype, add or remove seats, and renaming.

import { ApiError, get, request } from "../api.js";
import { h, replace, starIcon, wheelchairIcon } from "../dom.js";
import { plural, timeOfDay } from "../format.js";
import { announce, notify, showError } from "../notice.js";
import { dayLabel } from "./dates.js";
import { busy, confirmDialog, field, FormErrors, messageOf } from "./forms.js";
import { hallName } from "./halls.js";

export const SEAT_TYPES = [
  ["standard", "Standard"],
  ["vip", "VIP"],
  ["wheelchair", "Wheelchair"],
  ["companion", "Companion"],
];
const TOOLS = [...SEAT_TYPES, ["remove", "Remove (aisle)"]];
const TYPE_NAMES = Object.fromEntries(SEAT_TYPES);
const MAX_ROWS = 50;
const MAX_NUMBER = 60;

const key = (row, number) => `${row}:${number}`;
const placeName = (row, number) => `Row ${row}, seat ${number}`;

/** The mark a seat type carries on a seat button (shared with the live sales map). */
export function seatMark(type, number) {
  if (type === "wheelchair") return wheelchairIcon();
  if (type === "companion") return h("span", { class: "seat__number", text: `${number}` });
  const label = h("span", { class: "seat__number", text: `${number}` });
  return type === "vip" ? [starIcon(), label] : label;
}

class LayoutEditor {
  constructor(hall, { canEdit, onChange }) {
    this.hall = hall;
    this.canEdit = canEdit;
    this.onChange = onChange;
    this.seats = new Map(hall.seats.map((seat) => [key(seat.row, seat.number), seat]));
    this.rows = Math.max(1, ...hall.seats.map((seat) => seat.row));
    this.columns = Math.max(1, ...hall.seats.map((seat) => seat.number));
    this.tool = "vip";
    this.focusKey = null;
    this.working = false;
    this.problems = h("div", { class: "layout-problems", role: "alert" });
    this.grid = h("div", { class: "layout-grid", role: "grid", "aria-label": "Seats of the hall" });
    this.grid.addEventListener("keydown", (event) => this.#onKey(event));
    this.element = h(
      "section",
      { class: "card layout-card", "aria-labelledby": "layout-title" },
      h("h2", { id: "layout-title", text: "Seats" }),
      canEdit ? this.#palette() : null,
      this.problems,
      h(
        "div",
        { class: "seat-scroll" },
        h(
          "div",
          { class: "layout-stage" },
          h("div", { class: "screen", "aria-hidden": "true", text: "Screen" }),
          this.grid,
        ),
      ),
      canEdit
        ? h(
            "div",
            { class: "layout-grow" },
            h("button", {
              type: "button",
              class: "button button--small button--ghost",
              text: "+ Row",
              "aria-label": "Show one more row to add seats to",
              on: { click: () => this.#grow("rows") },
            }),
            h("button", {
              type: "button",
              class: "button button--small button--ghost",
              text: "+ Column",
              "aria-label": "Show one more column to add seats to",
              on: { click: () => this.#grow("columns") },
            }),
          )
        : null,
    );
    this.render();
  }

  #palette() {
    return h(
      "fieldset",
      { class: "tool-palette" },
      h("legend", { text: "Tool: click a seat, a row number or a column number to apply it" }),
      TOOLS.map(([value, label]) =>
        h(
          "label",
          { class: `tool tool--${value}` },
          h("input", {
            type: "radio",
            name: "tool",
            value,
            checked: value === this.tool,
            on: { change: () => (this.tool = value) },
          }),
          h("span", { text: label }),
        ),
      ),
    );
  }

  #grow(which) {
    if (which === "rows" && this.rows < MAX_ROWS) this.rows += 1;
    if (which === "columns" && this.columns < MAX_NUMBER) this.columns += 1;
    this.render();
  }

  /** Draws the grid: a header of column numbers, then each row's label and places. */
  render() {
    const cells = [];
    const columnsStyle = `2.25rem repeat(${this.columns}, var(--seat))`;
    this.grid.style.gridTemplateColumns = columnsStyle;
    cells.push(h("span", { class: "layout-corner", "aria-hidden": "true" }));
    for (let number = 1; number <= this.columns; number += 1) {
      cells.push(this.#header("column", number));
    }
    for (let row = 1; row <= this.rows; row += 1) {
      cells.push(this.#header("row", row));
      for (let number = 1; number <= this.columns; number += 1) {
        cells.push(this.#place(row, number));
      }
    }
    replace(this.grid, cells);
    const focusable = this.grid.querySelector(`[data-key="${this.focusKey}"]`);
    const stop = focusable ?? this.grid.querySelector(".layout-place");
    if (stop) stop.tabIndex = 0;
  }

  #header(axis, index) {
    const label = axis === "row" ? `Row ${index}` : `Column ${index}`;
    if (!this.canEdit) {
      return h("span", {
        class: `layout-head layout-head--${axis}`,
        text: index,
        "aria-label": label,
      });
    }
    return h("button", {
      type: "button",
      class: `layout-head layout-head--${axis}`,
      text: index,
      "aria-label": `Apply the tool to ${label.toLowerCase()}`,
      title: `Apply the tool to ${label.toLowerCase()}`,
      dataset: { axis, index },
      on: { click: () => this.applyToLine(axis, index) },
    });
  }

  #place(row, number) {
    const seat = this.seats.get(key(row, number));
    const attrs = {
      type: "button",
      tabindex: "-1",
      dataset: { key: key(row, number), row, number },
      on: { click: () => this.applyToPlace(row, number) },
      "aria-disabled": this.canEdit ? null : "true",
    };
    if (!seat) {
      return h("button", {
        ...attrs,
        class: "layout-place layout-place--empty",
        "aria-label": `${placeName(row, number)}: no seat`,
        title: `${placeName(row, number)}: no seat`,
      });
    }
    const label = `${placeName(row, number)}, ${TYPE_NAMES[seat.type] ?? seat.type}`;
    return h(
      "button",
      {
        ...attrs,
        class: `layout-place seat seat--${seat.type}`,
        "aria-label": label,
        title: label,
        dataset: { ...attrs.dataset, seatId: seat.id, type: seat.type, state: "free" },
      },
      seatMark(seat.type, number),
    );
  }

  /** What the tool does at one place, as a part of a layout edit; null when nothing changes. */
  #change(row, number) {
    const seat = this.seats.get(key(row, number));
    const tool = this.tool;
    if (tool === "remove") return seat ? { remove: seat.id } : null;
    if (!seat) return { add: { row, number, type: tool } };
    return seat.type === tool ? null : { retype: { seat_id: seat.id, type: tool } };
  }

  async applyToPlace(row, number) {
    if (!this.canEdit) return;
    this.focusKey = key(row, number);
    const change = this.#change(row, number);
    if (change) await this.#run([change]);
  }

  /** Applies the tool to every seat of a row or column (gaps stay gaps, so aisles survive). */
  async applyToLine(axis, index) {
    const changes = [];
    for (const seat of this.seats.values()) {
      const onLine = axis === "row" ? seat.row === index : seat.number === index;
      if (!onLine) continue;
      const change = this.#change(seat.row, seat.number);
      if (change) changes.push(change);
    }
    await this.#run(changes);
  }

  /** Sends the changes as one layout edit: all of them happen, or none and the server says why. */
  async #run(changes) {
    if (this.working || changes.length === 0) return;
    const body = {
      add: changes.flatMap((c) => (c.add ? [c.add] : [])),
      retype: changes.flatMap((c) => (c.retype ? [c.retype] : [])),
      remove: changes.flatMap((c) => (c.remove ? [c.remove] : [])),
    };
    this.working = true;
    this.element.setAttribute("aria-busy", "true");
    let refused = null;
    try {
      const reply = await request("PATCH", `/api/halls/${this.hall.id}/layout`, { body });
      this.seats = new Map(reply.data.seats.map((seat) => [key(seat.row, seat.number), seat]));
      announce(`${plural(changes.length, "seat")} changed.`);
    } catch (failure) {
      refused = failure;
    }
    this.working = false;
    this.element.removeAttribute("aria-busy");
    this.render();
    this.#showRefusal(refused);
    this.grid.querySelector(`[data-key="${this.focusKey}"]`)?.focus();
    this.onChange([...this.seats.values()]);
  }

  /** The server's message, and for seats with live bookings which seats in which sessions. */
  #showRefusal(failure) {
    if (!failure) {
      replace(this.problems);
      return;
    }
    const byId = new Map([...this.seats.values()].map((seat) => [seat.id, seat]));
    const sessions = failure instanceof ApiError ? (failure.body.sessions ?? []) : [];
    for (const session of sessions) {
      for (const id of session.seat_ids) {
        const seat = byId.get(id);
        const place = seat && this.grid.querySelector(`[data-key="${key(seat.row, seat.number)}"]`);
        place?.classList.add("layout-place--refused");
      }
    }
    replace(
      this.problems,
      h("p", { class: "form-error", text: messageOf(failure) }),
      sessions.length
        ? h(
            "ul",
            { class: "layout-refusals" },
            sessions.map((session) =>
              h(
                "li",
                {},
                h("a", {
                  href: `#/sales/${session.session_id}`,
                  text: `${dayLabel(new Date(session.start_time))} ${timeOfDay(session.start_time)}`,
                }),
                `: ${session.seat_ids
                  .map((id) => byId.get(id))
                  .filter(Boolean)
                  .map((seat) => placeName(seat.row, seat.number))
                  .join("; ")}`,
              ),
            ),
          )
        : null,
    );
  }

  #onKey(event) {
    const place = event.target.closest?.(".layout-place");
    if (!place) return;
    let row = Number(place.dataset.row);
    let number = Number(place.dataset.number);
    const moves = {
      ArrowLeft: () => (number = Math.max(1, number - 1)),
      ArrowRight: () => (number = Math.min(this.columns, number + 1)),
      ArrowUp: () => (row = Math.max(1, row - 1)),
      ArrowDown: () => (row = Math.min(this.rows, row + 1)),
      Home: () => (number = 1),
      End: () => (number = this.columns),
    };
    if (!moves[event.key]) return;
    event.preventDefault();
    moves[event.key]();
    const target = this.grid.querySelector(`[data-key="${key(row, number)}"]`);
    if (!target) return;
    place.tabIndex = -1;
    target.tabIndex = 0;
    this.focusKey = key(row, number);
    target.focus();
  }
}

function summary(seats) {
  const counts = new Map(SEAT_TYPES.map(([type]) => [type, 0]));
  for (const seat of seats) counts.set(seat.type, (counts.get(seat.type) ?? 0) + 1);
  return h(
    "ul",
    { class: "layout-summary", "aria-label": "Seats by type" },
    h("li", {}, h("strong", { text: seats.length }), " seats"),
    SEAT_TYPES.map(([type, label]) =>
      h("li", { dataset: { type } }, h("strong", { text: counts.get(type) }), ` ${label}`),
    ),
  );
}

function renameForm(hall, onRenamed) {
  const number = h("input", {
    name: "number",
    type: "number",
    min: 1,
    max: 9999,
    value: hall.number,
    inputmode: "numeric",
  });
  const name = h("input", { name: "name", maxlength: 100, value: hall.name });
  const form = h(
    "form",
    { class: "card console-form", novalidate: true, "aria-labelledby": "rename-title" },
    h("h2", { id: "rename-title", text: "Name and number" }),
    h("div", { class: "form-grid" }, field("Number", number), field("Name", name)),
  );
  const errors = new FormErrors(form);
  form.append(
    errors.box,
    h(
      "div",
      { class: "form-actions" },
      h("button", { type: "submit", class: "button button--primary", text: "Save name" }),
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errors.clear();
    const body = { number: Number(number.value), name: name.value.trim() };
    try {
      const saved = await busy(form, () => request("PUT", `/api/halls/${hall.id}`, { body }));
      onRenamed(saved.data);
      notify("Hall saved.", "success");
    } catch (failure) {
      errors.show(failure);
    }
  });
  return form;
}

async function deleteHall(hall) {
  const sure = await confirmDialog({
    title: `Delete ${hallName(hall)}?`,
    body: "The hall and all its seats are deleted. A hall with sessions cannot be deleted.",
    confirmText: "Delete hall",
  });
  if (!sure) return;
  try {
    await request("DELETE", `/api/halls/${hall.id}`);
    notify(`${hallName(hall)} deleted.`, "success");
    location.hash = "#/halls";
  } catch (failure) {
    showError(failure);
  }
}

export async function renderLayout(main, view, { canEdit }) {
  const hallId = Number(view.params[0]);
  replace(main, h("p", { class: "muted", text: "Loading the hall…" }));
  let hall;
  try {
    hall = await get(`/api/halls/${hallId}`);
  } catch (failure) {
    replace(
      main,
      h("a", { class: "back", href: "#/halls", text: "← Halls" }),
      h("h1", { text: "Hall not found" }),
    );
    showError(failure);
    return;
  }
  if (view.left) return;
  const title = h("h1", { text: hallName(hall) });
  const counts = h("div", {}, summary(hall.seats));
  const editor = new LayoutEditor(hall, {
    canEdit,
    onChange: (seats) => replace(counts, summary(seats)),
  });
  replace(
    main,
    h("a", { class: "back", href: "#/halls", text: "← Halls" }),
    h(
      "div",
      { class: "page-head" },
      title,
      h("a", {
        class: "button button--small",
        href: `#/schedule?hall=${hall.id}`,
        text: "Schedule",
      }),
    ),
    counts,
    editor.element,
    canEdit
      ? h(
          "div",
          { class: "console-columns" },
          renameForm(hall, (saved) => {
            Object.assign(hall, { number: saved.number, name: saved.name });
            title.textContent = hallName(hall);
          }),
          h(
            "section",
            { class: "card console-form", "aria-labelledby": "danger-title" },
            h("h2", { id: "danger-title", text: "Delete hall" }),
            h("p", { class: "muted", text: "Only a hall without sessions can be deleted." }),
            h("button", {
              type: "button",
              class: "button button--danger",
              text: "Delete hall",
              on: { click: () => deleteHall(hall) },
            }),
          ),
        )
      : null,
  );
}
