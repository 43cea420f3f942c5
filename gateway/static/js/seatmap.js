// The seat map: a grid of seat buttons by row and number, selection, and status changes; fitted
// to the width, zoomed and panned by zoom.js, with row labels in a rail that follows the rows.

import { h, icon, replace, starIcon, wheelchairIcon } from "./dom.js";
import { money, STATUS_LABELS, TYPE_LABELS } from "./format.js";
import { PanZoom } from "./zoom.js";

const SPOKEN_TYPES = {
  standard: "standard",
  vip: "VIP",
  wheelchair: "wheelchair",
  companion: "companion seat (with the wheelchair space beside it)",
};

/** A mark per state in the middle of a seat (free seats show their number), never colour alone. */
const STATE_MARKS = {
  selected: () => icon("check", ["M5 12.5l4.5 4.5L19 7.5"]),
  mine: () => icon("ticket", ["M4 7h16v3a2 2 0 0 0 0 4v3H4v-3a2 2 0 0 0 0-4z", "M14 7v10"]),
  held: () => icon("clock", ["M12 3.5a8.5 8.5 0 1 0 0 17a8.5 8.5 0 1 0 0-17", "M12 7.5V12l3 2"]),
  booked: () => icon("cross", ["M6.5 6.5l11 11", "M17.5 6.5l-11 11"]),
};

/** A badge per seat type in a seat's corner. */
const TYPE_MARKS = {
  vip: starIcon,
  wheelchair: wheelchairIcon,
  companion: () =>
    icon("companion", [
      "M9 4.5a2.5 2.5 0 1 0 0 5a2.5 2.5 0 1 0 0-5",
      "M4 19c0-3.5 2.2-6 5-6s5 2.5 5 6",
      "M17 9v6",
      "M14 12h6",
    ]),
};

/** The inside of a seat (or a legend swatch): its type badge, its state mark, its number. */
function seatFace(seat) {
  const badge = TYPE_MARKS[seat.type];
  return [
    badge ? h("span", { class: "seat__badge", "aria-hidden": "true" }, badge()) : null,
    h("span", { class: "seat__mark", "aria-hidden": "true" }),
    h("span", { class: "seat__number", text: seat.number ?? "" }),
  ];
}

function paintMark(button, state) {
  const mark = button.querySelector(".seat__mark");
  if (mark.dataset.state === state) return;
  mark.dataset.state = state;
  replace(mark, STATE_MARKS[state]?.());
}

/** "Row 3, seat 7, VIP, 15.00, free" */
export function seatAriaLabel(seat, mine = false) {
  const status = mine && seat.status !== "free" ? `${seat.status} by you` : seat.status;
  return `Row ${seat.row}, seat ${seat.number}, ${SPOKEN_TYPES[seat.type] ?? seat.type}, ${money(seat.price)}, ${status}`;
}

function nearestByNumber(entries, number) {
  return entries.reduce((best, entry) =>
    Math.abs(entry.seat.number - number) < Math.abs(best.seat.number - number) ? entry : best,
  );
}

export class SeatMap {
  #entries = new Map(); // seat_id -> {seat, button}
  #rows = []; // [{row, entries sorted by number}]
  #selected = new Set();
  #mine = new Set();
  #taken = new Set();
  #locked = false;
  #tabStop = null;

  #rowLabels = []; // [{label, button}] a label in the rail and a seat of its row
  #picking = false;

  /**
   * onSelect(selectedSeats) runs when the user's selection changes; onLimit() when they try
   * to pick more than maxSeats; confirmPick(seat) may answer a promise of false to refuse a pick.
   */
  constructor({ maxSeats, onSelect, onLimit, confirmPick = () => true }) {
    this.maxSeats = maxSeats;
    this.onSelect = onSelect;
    this.onLimit = onLimit;
    this.confirmPick = confirmPick;
    this.grid = h("div", { class: "seat-grid", role: "group", "aria-label": "Seats" });
    this.grid.addEventListener("click", (event) => this.#onClick(event));
    this.grid.addEventListener("keydown", (event) => this.#onKey(event));
    this.grid.addEventListener("focusin", (event) => {
      const entry = this.#entryOf(event.target);
      if (!entry) return;
      this.#setTabStop(entry);
      this.zoom.reveal(entry.button);
    });
    this.stage = h(
      "div",
      { class: "seat-stage" },
      h("div", { class: "screen", "aria-hidden": "true", text: "Screen" }),
      this.grid,
    );
    this.viewport = h("div", { class: "seat-viewport" }, this.stage);
    this.rail = h("div", { class: "row-rail", "aria-hidden": "true" });
    this.zoom = new PanZoom(this.viewport, this.stage, {
      onChange: (view) => this.#placeRowLabels(view),
    });
    const tool = (label, text, action) =>
      h("button", {
        type: "button",
        class: "button button--ghost button--small seat-map__tool",
        "aria-label": label,
        title: label,
        text,
        on: { click: action },
      });
    this.element = h(
      "div",
      { class: "seat-map" },
      h(
        "div",
        { class: "seat-map__tools" },
        h(
          "p",
          { class: "seat-map__hint muted" },
          h("span", { class: "seat-map__hint--touch", text: "Pinch or double-tap to zoom" }),
          h("span", { class: "seat-map__hint--mouse", text: "Double-click or Ctrl+scroll to zoom" }),
          ", drag to move",
        ),
        tool("Zoom out", "−", () => this.zoom.zoomBy(1 / 1.5)),
        tool("Zoom in", "+", () => this.zoom.zoomBy(1.5)),
        tool("Show the whole hall", "Fit", () => this.zoom.fit()),
      ),
      h("div", { class: "seat-map__frame" }, this.rail, this.viewport),
    );
  }

  get seats() {
    return [...this.#entries.values()].map((entry) => entry.seat);
  }

  get selected() {
    return [...this.#selected].map((id) => this.#entries.get(id).seat);
  }

  /** Replaces every seat (a snapshot); keeps the selection of seats that are still free. */
  setSeats(seats, { pulse = false } = {}) {
    const sameLayout =
      seats.length === this.#entries.size &&
      seats.every((seat) => {
        const known = this.#entries.get(seat.seat_id)?.seat;
        return (
          known &&
          known.row === seat.row &&
          known.number === seat.number &&
          known.type === seat.type
        );
      });
    if (!sameLayout) {
      this.#build(seats);
    } else {
      for (const seat of seats) {
        const entry = this.#entries.get(seat.seat_id);
        const changed = entry.seat.status !== seat.status || entry.seat.price !== seat.price;
        entry.seat = { ...seat };
        if (changed) this.#paint(entry, pulse);
      }
    }
    return this.#dropUnavailable();
  }

  /** Sets the status of some seats (a live change); answers the selected seats it took away. */
  setStatus(seatIds, status, { pulse = true } = {}) {
    for (const id of seatIds) {
      const entry = this.#entries.get(id);
      if (!entry || entry.seat.status === status) continue;
      entry.seat = { ...entry.seat, status };
      if (status === "free") {
        this.#mine.delete(id);
        this.#taken.delete(id);
      }
      this.#paint(entry, pulse);
    }
    return this.#dropUnavailable();
  }

  /** The seats of the user's own live booking. */
  setMine(seatIds) {
    const before = this.#mine;
    this.#mine = new Set(seatIds);
    for (const id of new Set([...before, ...this.#mine])) {
      const entry = this.#entries.get(id);
      if (entry) this.#paint(entry, false);
    }
  }

  /** Marks seats someone else took first (a 409 seats_taken) and drops them from the selection. */
  flagTaken(seatIds) {
    for (const id of seatIds) {
      const entry = this.#entries.get(id);
      if (!entry) continue;
      this.#taken.add(id);
      this.#selected.delete(id);
      if (entry.seat.status === "free") entry.seat = { ...entry.seat, status: "held" };
      this.#paint(entry, true);
    }
    this.onSelect(this.selected);
  }

  /** While locked (a hold in progress or booking closed) the selection cannot change. */
  setLocked(locked) {
    this.#locked = locked;
    this.grid.classList.toggle("seat-grid--locked", locked);
    for (const entry of this.#entries.values()) this.#paint(entry, false);
  }

  /** Selects these seats where they are still free, up to the limit (a selection restored). */
  select(seatIds) {
    for (const id of seatIds) {
      const entry = this.#entries.get(id);
      if (!entry || !this.#selectable(entry.seat) || this.#selected.size >= this.maxSeats) continue;
      this.#selected.add(id);
      this.#paint(entry, false);
    }
    this.onSelect(this.selected);
  }

  clearSelection() {
    const had = this.#selected.size > 0;
    this.#selected.clear();
    for (const entry of this.#entries.values()) this.#paint(entry, false);
    if (had) this.onSelect(this.selected);
  }

  #build(seats) {
    const focusedId = this.#entryOf(document.activeElement)?.seat.seat_id;
    this.#entries.clear();
    const byRow = new Map();
    for (const seat of [...seats].sort((a, b) => a.row - b.row || a.number - b.number)) {
      const button = h(
        "button",
        {
          type: "button",
          class: `seat seat--${seat.type}`,
          tabindex: "-1",
          dataset: { seatId: seat.seat_id, row: seat.row, number: seat.number, type: seat.type },
        },
        seatFace(seat),
      );
      const entry = { seat: { ...seat }, button };
      this.#entries.set(seat.seat_id, entry);
      if (!byRow.has(seat.row)) byRow.set(seat.row, []);
      byRow.get(seat.row).push(entry);
    }
    this.#rows = [...byRow].map(([row, entries]) => ({ row, entries }));
    const columns = Math.max(1, ...seats.map((seat) => seat.number));
    this.grid.style.setProperty("--columns", String(columns));
    const cells = [];
    this.#rowLabels = [];
    this.#rows.forEach(({ row, entries }, index) => {
      for (const entry of entries) {
        entry.button.style.gridRow = String(index + 1);
        entry.button.style.gridColumn = String(entry.seat.number);
        cells.push(entry.button);
      }
      const label = h("span", { class: "row-label", text: row });
      this.#rowLabels.push({ label, button: entries[0].button });
    });
    replace(this.grid, cells);
    replace(
      this.rail,
      this.#rowLabels.map(({ label }) => label),
    );
    for (const id of [...this.#selected]) if (!this.#entries.has(id)) this.#selected.delete(id);
    for (const entry of this.#entries.values()) this.#paint(entry, false);
    const first =
      this.#entries.get(focusedId) ??
      [...this.#entries.values()].find((entry) => entry.seat.status === "free") ??
      this.#entries.values().next().value;
    this.#tabStop = null;
    if (first) this.#setTabStop(first);
    if (focusedId !== undefined && first) first.button.focus();
    this.zoom.measure();
  }

  /** Stops watching the page (call when the seat map leaves it). */
  destroy() {
    this.zoom.destroy();
  }

  /** Each row's label beside its row: next to a hall narrower than the map, at the map's edge
   * when the hall is panned sideways. */
  #placeRowLabels({ scale, x, y }) {
    const left = Math.max(0, x);
    for (const { label, button } of this.#rowLabels) {
      const middle = button.offsetTop + button.offsetHeight / 2;
      label.style.transform = `translate(${left}px, ${y + middle * scale}px) translateY(-50%)`;
    }
  }

  #paint(entry, pulse) {
    const { seat, button } = entry;
    const id = seat.seat_id;
    const mine = this.#mine.has(id) && seat.status !== "free";
    const selected = this.#selected.has(id);
    const state = selected ? "selected" : mine ? "mine" : seat.status;
    button.dataset.status = seat.status;
    button.dataset.state = state;
    paintMark(button, state);
    button.setAttribute("aria-pressed", String(selected));
    button.setAttribute("aria-disabled", String(!this.#selectable(seat) && !selected));
    const label = seatAriaLabel(seat, mine);
    button.setAttribute("aria-label", label);
    button.title = label;
    button.classList.toggle("seat--taken", this.#taken.has(id));
    if (pulse) {
      button.classList.remove("seat--pulse");
      void button.offsetWidth; // restarts the animation
      button.classList.add("seat--pulse");
    }
  }

  #selectable(seat) {
    return !this.#locked && seat.status === "free" && !this.#mine.has(seat.seat_id);
  }

  #dropUnavailable() {
    const lost = [];
    for (const id of [...this.#selected]) {
      const entry = this.#entries.get(id);
      if (entry && entry.seat.status === "free") continue;
      this.#selected.delete(id);
      if (entry) {
        lost.push(entry.seat);
        this.#paint(entry, false);
      }
    }
    if (lost.length) this.onSelect(this.selected);
    return lost;
  }

  #entryOf(target) {
    const button = target instanceof Element ? target.closest(".seat") : null;
    return button ? this.#entries.get(Number(button.dataset.seatId)) : undefined;
  }

  async #onClick(event) {
    const entry = this.#entryOf(event.target);
    if (!entry || this.#locked || this.#picking) return;
    const id = entry.seat.seat_id;
    if (this.#selected.has(id)) {
      this.#selected.delete(id);
    } else if (!this.#selectable(entry.seat)) {
      return;
    } else if (this.#selected.size >= this.maxSeats) {
      this.onLimit();
      return;
    } else {
      this.#picking = true;
      const confirmed = await this.confirmPick(entry.seat);
      this.#picking = false;
      if (!confirmed || !this.#selectable(entry.seat) || this.#selected.size >= this.maxSeats) {
        return;
      }
      this.#selected.add(id);
    }
    for (const takenId of [...this.#taken]) {
      this.#taken.delete(takenId);
      this.#paint(this.#entries.get(takenId), false);
    }
    this.#paint(entry, false);
    this.onSelect(this.selected);
  }

  #onKey(event) {
    const entry = this.#entryOf(event.target);
    if (!entry) return;
    const target = this.#neighbour(entry, event.key);
    if (target === undefined) return;
    event.preventDefault();
    if (target) {
      this.#setTabStop(target);
      target.button.focus();
    }
  }

  /** The seat an arrow, Home or End key moves to; null at an edge; undefined for other keys. */
  #neighbour(entry, key) {
    const rowIndex = this.#rows.findIndex((r) => r.row === entry.seat.row);
    const row = this.#rows[rowIndex].entries;
    const index = row.indexOf(entry);
    switch (key) {
      case "ArrowLeft":
        return row[index - 1] ?? null;
      case "ArrowRight":
        return row[index + 1] ?? null;
      case "Home":
        return row[0];
      case "End":
        return row[row.length - 1];
      case "ArrowUp":
      case "ArrowDown": {
        const other = this.#rows[rowIndex + (key === "ArrowUp" ? -1 : 1)];
        return other ? nearestByNumber(other.entries, entry.seat.number) : null;
      }
      default:
        return undefined;
    }
  }

  #setTabStop(entry) {
    if (this.#tabStop === entry) return;
    if (this.#tabStop) this.#tabStop.button.tabIndex = -1;
    entry.button.tabIndex = 0;
    this.#tabStop = entry;
  }
}

/** The prices of each seat type present, like {vip: "15.00"} or "10.00–12.00" when they vary. */
function pricesByType(seats) {
  const ranges = new Map();
  for (const seat of seats) {
    const [low, high] = ranges.get(seat.type) ?? [Infinity, -Infinity];
    ranges.set(seat.type, [Math.min(low, seat.price), Math.max(high, seat.price)]);
  }
  return Object.keys(TYPE_LABELS)
    .filter((type) => ranges.has(type))
    .map((type) => {
      const [low, high] = ranges.get(type);
      return [type, low === high ? money(low) : `${money(low)}–${money(high)}`];
    });
}

/** A legend's sample seat, drawn as the map draws one. */
function swatch(type, state) {
  const sample = h(
    "span",
    { class: `swatch seat seat--${type}`, dataset: { state }, "aria-hidden": "true" },
    seatFace({ type, number: "" }),
  );
  paintMark(sample, state);
  return sample;
}

/** The key to the seat states and the price of each seat type. */
export function legend(seats) {
  const stateItem = (state) =>
    h("li", { dataset: { state } }, swatch("standard", state), STATUS_LABELS[state]);
  const typeItem = ([type, price]) => {
    const sample = swatch(type, "free");
    return h(
      "li",
      { class: "legend__price", dataset: { type } },
      sample,
      h("span", {}, TYPE_LABELS[type], " ", h("strong", { text: price })),
    );
  };
  return h(
    "div",
    { class: "legend" },
    h(
      "ul",
      { class: "legend__list", "aria-label": "Seat states" },
      ["free", "selected", "mine", "held", "booked"].map(stateItem),
    ),
    h("ul", { class: "legend__list", "aria-label": "Prices" }, pricesByType(seats).map(typeItem)),
  );
}
