// The booking panel beside the seat map (below it on a phone), one look per step: pick, held
// (countdown), paid, expired. Each look has a body and a bar: the seats in short, the total and
// the primary action; on a phone the bar stays at the bottom of the window.

import { calendarLink } from "../calendar.js";
import { countdown } from "../countdown.js";
import { h } from "../dom.js";
import { money, plural, seatName, seatSummary, TYPE_LABELS } from "../format.js";

const title = (text) => h("h2", { id: "panel-title", tabindex: "-1", text });

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

/** The bar: what is picked or held in short, the total, and the actions (primary first). */
function bar({ seats, total, status = null, actions = [] }) {
  return h(
    "div",
    { class: "panel__bar" },
    h(
      "div",
      { class: "panel__summary" },
      status,
      h("span", {
        class: "panel__seats",
        text: seats.length ? `${plural(seats.length, "seat")} · ${seatSummary(seats)}` : "No seats yet",
      }),
      h(
        "p",
        { class: "total" },
        h("span", { text: "Total" }),
        h("strong", { class: "total__amount", text: money(total) }),
      ),
    ),
    actions.length ? h("div", { class: "actions" }, actions) : null,
  );
}

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
  const actions = closedBecause ? [] : [pickAction({ selected, holding, loginHref, onHold })];
  return {
    nodes: [title("Your seats"), body],
    bar: bar({ seats: selected, total, actions }),
    stop: () => {},
  };
}

/** A pending hold: the countdown to its expiry, Pay and Cancel; focus goes to Pay. */
export function heldPanel({ booking, paying, onPay, onCancel, onWarn, onExpire }) {
  const timer = countdown(booking.expires_at, { onWarn, onEnd: onExpire });
  const pay = button(paying ? "Paying…" : `Pay ${money(booking.total_price)}`, onPay, {
    primary: true,
    disabled: paying,
  });
  return {
    nodes: [title("Seats held for you"), seatLines(booking.seats)],
    bar: bar({
      seats: booking.seats,
      total: booking.total_price,
      status: timer.element,
      actions: [pay, button("Cancel hold", onCancel, { disabled: paying })],
    }),
    focus: pay,
    stop: timer.stop,
  };
}

/** A paid booking: confirmation, the calendar, and the way on; focus goes to the heading. */
export function paidPanel({ booking, showtime, onMore }) {
  const heading = title("You're booked!");
  return {
    nodes: [
      heading,
      h("p", { class: "success", text: "Payment received. Your seats are confirmed." }),
      seatLines(booking.seats),
    ],
    bar: bar({
      seats: booking.seats,
      total: booking.total_price,
      actions: [
        h("a", { class: "button button--primary", href: "#/bookings", text: "My bookings" }),
        calendarLink(booking, showtime),
        button("Book more seats", onMore),
      ],
    }),
    focus: heading,
    stop: () => {},
  };
}

/** A hold that ran out: the same seats again (where still free), or a fresh pick. */
export function expiredPanel({ seats, retrying, onRetry, onDismiss }) {
  const retry = button(retrying ? "Holding…" : "Hold these seats again", onRetry, {
    primary: true,
    disabled: retrying,
  });
  return {
    nodes: [
      title("Your hold expired"),
      h("p", {
        class: "muted",
        text: "The time to pay ran out, so these seats were let go. They may still be free.",
      }),
      seatLines(seats),
    ],
    bar: bar({
      seats,
      total: seats.reduce((sum, seat) => sum + seat.price, 0),
      actions: [retry, button("Pick other seats", onDismiss)],
    }),
    focus: retry,
    stop: () => {},
  };
}
