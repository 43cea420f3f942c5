// Seat selection help on the seat map: "Best seats for N", and why a hold was refused
// (a stranded seat, a companion seat without its wheelchair place), next to the seats.

import { get } from "../api.js";
import { h, replace } from "../dom.js";
import { money, plural } from "../format.js";
import { announce } from "../notice.js";

const seatsOf = (ids, seatmap) => {
  const wanted = new Set(ids);
  return seatmap.seats
    .filter((seat) => wanted.has(seat.seat_id))
    .sort((a, b) => a.number - b.number);
};

/** "Row 5, seats 7–8" */
function groupName(ids, seatmap) {
  const seats = seatsOf(ids, seatmap);
  if (seats.length === 0) return "";
  const first = seats[0].number;
  const last = seats[seats.length - 1].number;
  const numbers = first === last ? `seat ${first}` : `seats ${first}–${last}`;
  return `Row ${seats[0].row}, ${numbers}`;
}

/**
 * The "Best seats for N" control and the message line of the seat rules. `seatmap` is the
 * page's SeatMap; `isOpen()` tells whether seats can be picked now.
 */
export function seatHelp({ sessionId, seatmap, maxSeats, isOpen }) {
  const count = h(
    "select",
    { id: "best-count", class: "best-seats__count" },
    Array.from({ length: maxSeats }, (_, index) =>
      h("option", { value: index + 1, text: String(index + 1), selected: index === 1 }),
    ),
  );
  const accessible = h("input", { type: "checkbox", id: "best-accessible" });
  const button = h("button", {
    type: "button",
    class: "button button--ghost best-seats__button",
    text: "Best seats for 2",
  });
  const message = h("p", {
    class: "best-seats__message",
    role: "status",
    "aria-live": "polite",
    hidden: true,
  });
  const element = h(
    "div",
    { class: "best-seats" },
    h(
      "div",
      { class: "best-seats__row" },
      h("label", { for: "best-count", text: "People" }),
      count,
      h(
        "label",
        { class: "best-seats__accessible", for: "best-accessible" },
        accessible,
        "with a wheelchair space",
      ),
      button,
    ),
    message,
  );
  let marked = [];

  function say(kind, ...parts) {
    message.dataset.kind = kind;
    message.hidden = false;
    replace(message, ...parts);
  }

  function unmark() {
    for (const node of marked) node.classList.remove("seat--stranded");
    marked = [];
  }

  function mark(ids) {
    unmark();
    for (const id of ids) {
      const node = seatmap.grid.querySelector(`[data-seat-id="${id}"]`);
      if (node) {
        node.classList.add("seat--stranded");
        marked.push(node);
      }
    }
  }

  function pick(ids) {
    seatmap.clearSelection();
    seatmap.select(ids);
  }

  async function findBest() {
    const n = Number(count.value);
    unmark();
    button.disabled = true;
    try {
      const query = `count=${n}${accessible.checked ? "&accessible=true" : ""}`;
      const best = await get(`/api/sessions/${sessionId}/best-seats?${query}`);
      pick(best.seat_ids);
      const text = `${groupName(best.seat_ids, seatmap)} picked for you: ${money(best.total_price)}.`;
      say("info", text, " Hold them below, or pick others on the map.");
      announce(text);
    } catch (error) {
      if (error.code !== "no_adjacent_seats") {
        say("error", error.message);
        return;
      }
      const groups = error.body.suggestion ?? [];
      if (groups.length === 0) {
        say("error", `No row has ${plural(n, "free seat")} together any more.`);
        return;
      }
      const ids = groups.flatMap((group) => group.seat_ids);
      const names = groups.map((group) => groupName(group.seat_ids, seatmap)).join(" and ");
      say(
        "info",
        `No row has ${n} seats together. Sit in two groups: ${names}? `,
        h("button", {
          type: "button",
          class: "link-button",
          text: "Pick these",
          on: { click: () => pick(ids) },
        }),
      );
    } finally {
      button.disabled = !isOpen();
    }
  }

  count.addEventListener("change", () => {
    button.textContent = `Best seats for ${count.value}`;
  });
  button.addEventListener("click", findBest);

  return {
    element,
    /** Enables the control while seats can be picked. */
    setOpen(open) {
      button.disabled = !open;
      count.disabled = !open;
      accessible.disabled = !open;
    },
    /**
     * Explains a hold refused by a seat rule beside the seats and marks the seats concerned;
     * answers false for other errors.
     */
    explain(error) {
      if (error.code === "orphan_seat") {
        const stranded = error.body.stranded?.map((seat) => seat.seat_id) ?? [error.body.seat_id];
        mark(stranded);
        say(
          "error",
          `These seats would leave row ${error.body.row}, seat ${error.body.number} empty on its own, `,
          "and a single seat rarely sells. Move your selection next to it, or leave at least two ",
          "seats free beside it.",
        );
        return true;
      }
      if (error.code === "companion_needs_wheelchair") {
        mark(error.body.seat_ids ?? []);
        say(
          "error",
          "A companion seat is for the person coming with a wheelchair user: book it together ",
          "with the wheelchair space beside it.",
        );
        return true;
      }
      return false;
    },
    clear() {
      unmark();
      message.hidden = true;
    },
  };
}
