// The seat map: a grid of seat buttons by row and number, selection, and status changes.

import { h, replace, starIcon, wheelchairIcon } from "./dom.js";
import { money, STATUS_LABELS, TYPE_LABELS } from "./format.js";

const SPOKEN_TYPES = {
  standard: "standard",
  vip: "VIP",
  wheelchair: "wheelchair",
  companion: "companion seat (with the wheelchair space beside it)",
};

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

  /**
   * onSelect(selectedSeats) runs when the user's selection changes;
   * onLimit() when they try to pick more than maxSeats.
   */
  constructor({ maxSeats, onSelect, onLimit }) {
    this.maxSeats = maxSeats;
    this.onSelect = onSelect;
    this.onLimit = onLimit;
    this.grid = h("div", { class: "seat-grid", role: "group", "aria-label": "Seats" });
    this.grid.addEventListener("click", (event) => this.#onClick(event));
    this.grid.addEventListener("keydown", (event) => this.#onKey(event));
    this.grid.addEventListener("focusin", (event) => {
      const entry = this.#entryOf(event.target);
      if (entry) this.#setTabStop(entry);
    });
    this.scroller = h(
      "div",
      { class: "seat-scroll" },
      h(
        "div",
        { class: "seat-stage" },
        h("div", { class: "screen", "aria-hidden": "true", text: "Screen" }),
        this.grid,
      ),
    );
    this.element = h(
      "div",
      { class: "seat-map" },
      this.scroller,
      h("p", {
        class: "scroll-hint",
        "aria-hidden": "true",
        text: "← Scroll sideways for more seats →",
      }),
    );
    this.resizes = new ResizeObserver(() => this.#markWide());
    this.resizes.observe(this.scroller);
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
      const button = h("button", {
        type: "button",
        class: `seat seat--${seat.type}`,
        tabindex: "-1",
        dataset: { seatId: seat.seat_id, row: seat.row, number: seat.number, type: seat.type },
      });
      if (seat.type === "wheelchair") button.append(wheelchairIcon());
      else if (seat.type === "vip") button.append(starIcon());
      button.append(h("span", { class: "seat__number", text: seat.number }));
      const entry = { seat: { ...seat }, button };
      this.#entries.set(seat.seat_id, entry);
      if (!byRow.has(seat.row)) byRow.set(seat.row, []);
      byRow.get(seat.row).push(entry);
    }
    this.#rows = [...byRow].map(([row, entries]) => ({ row, entries }));
    const columns = Math.max(1, ...seats.map((seat) => seat.number));
    this.grid.style.setProperty("--columns", String(columns));
    const cells = [];
    this.#rows.forEach(({ row, entries }, index) => {
      const gridRow = String(index + 1);
      const label = (column) => {
        const span = h("span", { class: "row-label", "aria-hidden": "true", text: row });
        span.style.gridRow = gridRow;
        span.style.gridColumn = String(column);
        return span;
      };
      cells.push(label(1));
      for (const entry of entries) {
        entry.button.style.gridRow = gridRow;
        entry.button.style.gridColumn = String(entry.seat.number + 1);
        cells.push(entry.button);
      }
      cells.push(label(columns + 2));
    });
    replace(this.grid, cells);
    for (const id of [...this.#selected]) if (!this.#entries.has(id)) this.#selected.delete(id);
    for (const entry of this.#entries.values()) this.#paint(entry, false);
    const first =
      this.#entries.get(focusedId) ??
      [...this.#entries.values()].find((entry) => entry.seat.status === "free") ??
      this.#entries.values().next().value;
    this.#tabStop = null;
    if (first) this.#setTabStop(first);
    if (focusedId !== undefined && first) first.button.focus();
    requestAnimationFrame(() => this.centre());
  }

  /** Scrolls a hall wider than the screen so its middle is in view. */
  centre() {
    this.scroller.scrollLeft = (this.scroller.scrollWidth - this.scroller.clientWidth) / 2;
    this.#markWide();
  }

  /** Stops watching the page (call when the seat map leaves it). */
  destroy() {
    this.resizes.disconnect();
  }

  #markWide() {
    this.element.classList.toggle(
      "seat-map--wide",
      this.scroller.scrollWidth > this.scroller.clientWidth + 1,
    );
  }

  #paint(entry, pulse) {
    const { seat, button } = entry;
    const id = seat.seat_id;
    const mine = this.#mine.has(id) && seat.status !== "free";
    const selected = this.#selected.has(id);
    const state = selected ? "selected" : mine ? "mine" : seat.status;
    button.dataset.status = seat.status;
    button.dataset.state = state;
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

  #onClick(event) {
    const entry = this.#entryOf(event.target);
    if (!entry || this.#locked) return;
    const id = entry.seat.seat_id;
    if (this.#selected.has(id)) {
      this.#selected.delete(id);
    } else if (!this.#selectable(entry.seat)) {
      return;
    } else if (this.#selected.size >= this.maxSeats) {
      this.onLimit();
      return;
    } else {
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
  return ["standard", "vip", "wheelchair", "companion"]
    .filter((type) => ranges.has(type))
    .map((type) => {
      const [low, high] = ranges.get(type);
      return [type, low === high ? money(low) : `${money(low)}–${money(high)}`];
    });
}

/** The key to the colours and the price of each seat type. */
export function legend(seats) {
  const swatch = (state) =>
    h(
      "li",
      {},
      h("span", { class: "swatch seat", dataset: { state }, "aria-hidden": "true" }),
      STATUS_LABELS[state],
    );
  const typeItem = ([type, price]) => {
    const sample = h("span", {
      class: `swatch seat seat--${type}`,
      dataset: { state: "free" },
      "aria-hidden": "true",
    });
    if (type === "wheelchair") sample.append(wheelchairIcon());
    if (type === "vip") sample.append(starIcon());
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
      { class: "legend__list", "aria-label": "Seat colours" },
      ["free", "selected", "mine", "held", "booked"].map(swatch),
    ),
    h("ul", { class: "legend__list", "aria-label": "Prices" }, pricesByType(seats).map(typeItem)),
  );
}
