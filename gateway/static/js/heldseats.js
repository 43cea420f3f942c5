// "Frees in mm:ss" on a seat someone else holds, on hover or focus: when it is free again
// unless its hold is paid. The seat map and the live feed carry `held_until`; never who holds.

import { msUntil } from "./clock.js";
import { h } from "./dom.js";
import { clockText } from "./format.js";

const TIP_ID = "frees-in";

export class HeldSeats {
  #until = new Map(); // seat id -> ISO instant
  #seat = null; // the seat button the tip is shown for
  #timer = 0;

  /** Shows the tip for held seats of `grid` (the seat map's grid of seat buttons). */
  constructor(grid) {
    this.grid = grid;
    this.tip = h("div", { class: "frees-in", id: TIP_ID, role: "tooltip", hidden: true });
    document.body.append(this.tip);
    const show = (event) => this.#show(event.target.closest?.(".seat"));
    grid.addEventListener("mouseover", show);
    grid.addEventListener("focusin", show);
    grid.addEventListener("mouseleave", () => this.#hide());
    grid.addEventListener("focusout", () => this.#hide());
  }

  /** Every seat's deadline, from a whole seat list (the seat map or a snapshot). */
  setAll(seats) {
    this.#until = new Map(
      seats.filter((seat) => seat.held_until).map((seat) => [seat.seat_id, seat.held_until]),
    );
    this.#refresh();
  }

  /** A live change: held seats get their (new) deadline, other seats lose theirs. */
  apply(change) {
    for (const id of change.seat_ids ?? []) {
      if (change.status === "held" && change.held_until) this.#until.set(id, change.held_until);
      else this.#until.delete(id);
    }
    this.#refresh();
  }

  destroy() {
    this.#hide();
    this.tip.remove();
  }

  #show(seat) {
    if (seat === this.#seat) return;
    this.#hide();
    if (!seat || seat.dataset.state !== "held") return;
    const until = this.#until.get(Number(seat.dataset.seatId));
    if (!until) return;
    this.#seat = seat;
    seat.setAttribute("aria-describedby", TIP_ID);
    this.#tick();
    this.#timer = setInterval(() => this.#tick(), 1000);
    this.tip.hidden = false;
    const box = seat.getBoundingClientRect();
    const tip = this.tip.getBoundingClientRect();
    const left = Math.min(
      Math.max(4, box.left + box.width / 2 - tip.width / 2),
      window.innerWidth - tip.width - 4,
    );
    this.tip.style.left = `${left}px`;
    this.tip.style.top = `${Math.max(4, box.top - tip.height - 6)}px`;
  }

  #tick() {
    const until = this.#until.get(Number(this.#seat?.dataset.seatId));
    if (!until || this.#seat?.dataset.state !== "held") {
      this.#hide();
      return;
    }
    this.tip.textContent = `Frees in ${clockText(msUntil(until))}`;
  }

  #refresh() {
    if (this.#seat) this.#tick();
  }

  #hide() {
    clearInterval(this.#timer);
    this.#seat?.removeAttribute("aria-describedby");
    this.#seat = null;
    this.tip.hidden = true;
  }
}
