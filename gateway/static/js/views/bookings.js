// "My bookings": every booking of the signed-in user, with pay and cancel where allowed.

import { get } from "../api.js";
import { calendarLink } from "../calendar.js";
import { followPaymentReturn, payBooking } from "../checkout.js";
import { msUntil } from "../clock.js";
import { countdown } from "../countdown.js";
import { h, replace } from "../dom.js";
import { fullDate, money, seatList, timeOfDay } from "../format.js";
import { notify, showError } from "../notice.js";
import { ticketsSection } from "./tickets.js";
import { openCancelDialog } from "./cancelseats.js";

const PAGE_SIZE = 20;
const STATUS_NAMES = {
  pending: "Awaiting payment",
  confirmed: "Confirmed",
  finished: "Finished",
  expired: "Expired",
  cancelled: "Cancelled",
};
const showtimes = new Map(); // session id -> Promise of its aggregate

function showtime(sessionId) {
  if (!showtimes.has(sessionId)) {
    const loading = get(`/api/sessions/${sessionId}/aggregate`);
    loading.catch(() => showtimes.delete(sessionId));
    showtimes.set(sessionId, loading);
  }
  return showtimes.get(sessionId);
}

function describe(card, aggregate) {
  const { session, movie, hall } = aggregate;
  card
    .querySelector(".booking__title")
    .replaceChildren(
      h("a", { href: `#/sessions/${session.id}`, text: movie?.title ?? `Showtime ${session.id}` }),
    );
  card.querySelector(".booking__when").textContent =
    `${fullDate(session.start_time)} · ${timeOfDay(session.start_time)} · ${hall.name || `Hall ${hall.number}`}`;
}

function bookingCard(booking, view, stops) {
  const live = booking.status === "pending" && msUntil(booking.expires_at) > 0;
  const status = booking.status === "pending" && !live ? "expired" : booking.status;
  const actions = h("div", { class: "actions" });
  const card = h(
    "li",
    { class: "card booking", dataset: { bookingId: booking.id, status } },
    h(
      "div",
      { class: "booking__head" },
      h("h2", { class: "booking__title", text: `Showtime ${booking.session_id}` }),
      h("span", { class: `badge badge--${status}`, text: STATUS_NAMES[status] ?? status }),
    ),
    h("p", { class: "muted booking__when", text: "" }),
    h("p", { class: "booking__seats", text: seatList(booking.seats) }),
    h(
      "p",
      { class: "total" },
      h("span", { text: "Total" }),
      h("strong", { text: money(booking.total_price) }),
    ),
    booking.reason && status !== "pending"
      ? h("p", { class: "muted", text: `Reason: ${booking.reason.replace(/_/g, " ")}` })
      : null,
    booking.status === "confirmed" ? ticketsSection(booking) : null,
    actions,
  );
  showtime(booking.session_id)
    .then((aggregate) => {
      describe(card, aggregate);
      if (status === "confirmed") actions.append(calendarLink(booking, aggregate));
    })
    .catch(() => {});

  let stopTimer = () => {};
  const redraw = (updated) => {
    stopTimer();
    if (!view.left) card.replaceWith(bookingCard(updated, view, stops));
  };
  const chooseSeats = () =>
    openCancelDialog(booking, {
      onChanged: (updated, message) => {
        redraw(updated);
        notify(message, "success");
      },
    });

  if (live) {
    const timer = countdown(booking.expires_at, {
      onEnd: () => get(`/api/bookings/${booking.id}`).then(redraw, () => {}),
    });
    stopTimer = timer.stop;
    stops.add(timer.stop);
    const pay = h("button", {
      type: "button",
      class: "button button--primary",
      text: `Pay ${money(booking.total_price)}`,
    });
    const cancel = h("button", { type: "button", class: "button button--ghost", text: "Cancel" });
    pay.addEventListener("click", async () => {
      pay.disabled = true;
      try {
        const paid = await payBooking(booking.id);
        if (paid) {
          redraw(paid);
          notify("Paid. Your seats are confirmed.", "success");
        }
      } catch (error) {
        showError(error);
        pay.disabled = false;
        if (error.status === 409) get(`/api/bookings/${booking.id}`).then(redraw, () => {});
      }
    });
    cancel.addEventListener("click", chooseSeats);
    actions.append(timer.element, pay, cancel);
  } else if (booking.status === "confirmed") {
    const cancel = h("button", {
      type: "button",
      class: "button button--ghost",
      text: "Cancel booking",
    });
    cancel.addEventListener("click", chooseSeats);
    actions.append(cancel);
  }
  return card;
}

export async function render(main, view) {
  const list = h("ul", { class: "bookings", "aria-busy": "true" });
  const more = h("button", {
    type: "button",
    class: "button button--ghost",
    hidden: true,
    text: "Show more",
  });
  replace(main, h("h1", { text: "My bookings" }), list, h("div", { class: "more" }, more));
  const stops = new Set();
  view.onLeave(() => stops.forEach((stop) => stop()));

  let page = 0;
  let shown = 0;
  async function load() {
    page += 1;
    more.disabled = true;
    try {
      const data = await get(`/api/me/bookings?page=${page}&page_size=${PAGE_SIZE}`);
      if (view.left) return;
      list.append(...data.items.map((booking) => bookingCard(booking, view, stops)));
      shown += data.items.length;
      more.hidden = shown >= data.total;
      if (data.total === 0) {
        list.append(
          h(
            "li",
            { class: "empty" },
            "No bookings yet. ",
            h("a", { href: "#/", text: "Find a movie" }),
            ".",
          ),
        );
      }
    } catch (error) {
      showError(error, "Could not load your bookings: ");
    } finally {
      more.disabled = false;
      list.setAttribute("aria-busy", "false");
    }
  }
  more.addEventListener("click", load);
  await followPaymentReturn(view);
  await load();
  const wanted = view.query.get("booking");
  if (wanted && !view.left) await highlight(list, wanted, view, stops);
}

/** Brings the booking an email links to (`#/bookings?booking=<id>`) into view, marked. */
async function highlight(list, bookingId, view, stops) {
  let card = [...list.querySelectorAll(".booking")].find((c) => c.dataset.bookingId === bookingId);
  if (!card) {
    try {
      card = bookingCard(await get(`/api/bookings/${encodeURIComponent(bookingId)}`), view, stops);
    } catch (error) {
      showError(error, "Could not open that booking: ");
      return;
    }
    list.prepend(card);
  }
  card.classList.add("booking--highlight");
  card.setAttribute("tabindex", "-1");
  card.scrollIntoView({ block: "center" });
  card.focus({ preventScroll: true });
}
