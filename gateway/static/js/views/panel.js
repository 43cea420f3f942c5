// The booking panel beside the seat map, one look per step: pick, held (countdown), paid.

import { countdown } from "../countdown.js";
import { h } from "../dom.js";
import { money, plural, seatName, TYPE_LABELS } from "../format.js";

const title = (text) => h("h2", { id: "panel-title", text });

function seatLines(seats) {
  return h(
    "ul",
    { class: "picked" },
    [...seats]
      .sort((a, b) => a.row - b.row || a.number - b.number)
      .map((seat) =>
        h(
          "li",
          { dataset: { seatId: seat.seat_id } },
          h("span", { text: seatName(seat) }),
          h("span", { class: "muted", text: TYPE_LABELS[seat.type] }),
          h("span", { class: "price", text: money(seat.price) }),
        ),
      ),
  );
}

const totalLine = (amount) =>
  h(
    "p",
    { class: "total" },
    h("span", { text: "Total" }),
    h("strong", { class: "total__amount", text: money(amount) }),
  );

const button = (text, onClick, { primary = false, disabled = false } = {}) =>
  h("button", {
    type: "button",
    class: `button ${primary ? "button--primary" : "button--ghost"}`,
    disabled,
    on: { click: onClick },
    text,
  });

function pickAction({ selected, holding, loginHref, onHold }) {
  if (loginHref) {
    return h("a", {
      class: "button button--primary",
      href: loginHref,
      text: "Log in to hold seats",
    });
  }
  const label = selected.length ? `Hold ${plural(selected.length, "seat")}` : "Hold seats";
  return button(holding ? "Holding…" : label, onHold, {
    primary: true,
    disabled: holding || selected.length === 0,
  });
}

/** Choosing seats: what is picked, the total, and Hold (or Log in); closedBecause ends it. */
export function pickPanel({ selected, maxSeats, closedBecause, holding, loginHref, onHold }) {
  let body = seatLines(selected);
  if (closedBecause) body = h("p", { class: "muted", text: closedBecause });
  else if (selected.length === 0) {
    body = h("p", { class: "muted", text: `Pick up to ${plural(maxSeats, "seat")} on the map.` });
  }
  const total = selected.reduce((sum, seat) => sum + seat.price, 0);
  const actions = closedBecause
    ? null
    : h("div", { class: "actions" }, pickAction({ selected, holding, loginHref, onHold }));
  return { nodes: [title("Your seats"), body, totalLine(total), actions], stop: () => {} };
}

/** A pending hold: the countdown to its expiry, Pay and Cancel. */
export function heldPanel({ booking, paying, onPay, onCancel, onExpire }) {
  const timer = countdown(booking.expires_at, { onEnd: onExpire });
  return {
    nodes: [
      title("Seats held for you"),
      timer.element,
      seatLines(booking.seats),
      totalLine(booking.total_price),
      h(
        "div",
        { class: "actions" },
        button(paying ? "Paying…" : `Pay ${money(booking.total_price)}`, onPay, {
          primary: true,
          disabled: paying,
        }),
        button("Cancel hold", onCancel, { disabled: paying }),
      ),
    ],
    stop: timer.stop,
  };
}

/** A paid booking: confirmation, and the way on. */
export function paidPanel({ booking, onMore }) {
  return {
    nodes: [
      title("You're booked!"),
      h("p", { class: "success", text: "Payment received. Your seats are confirmed." }),
      seatLines(booking.seats),
      totalLine(booking.total_price),
      h(
        "div",
        { class: "actions" },
        h("a", { class: "button button--primary", href: "#/bookings", text: "My bookings" }),
        button("Book more seats", onMore),
      ),
    ],
    stop: () => {},
  };
}
