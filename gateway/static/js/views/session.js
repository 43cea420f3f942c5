// One showtime: the live seat map, picking seats, holding them, the countdown, paying.

import { get, post, postOnce } from "../api.js";
import { payBooking } from "../checkout.js";
import { signedIn } from "../auth.js";
import { msUntil } from "../clock.js";
import { config } from "../config.js";
import { ask } from "../dialog.js";
import { h, replace } from "../dom.js";
import { fullDate, plural, seatList, timeWithZone } from "../format.js";
import { announce, notify, showError } from "../notice.js";
import { HeldSeats } from "../heldseats.js";
import { legend, SeatMap } from "../seatmap.js";
import { fetchSeats, SeatSync } from "../seatsync.js";
import { loginLink } from "./auth.js";
import { seatHelp } from "./bestseats.js";
import { extendOffer } from "./extend.js";
import { expiredPanel, heldPanel, paidPanel, pickPanel } from "./panel.js";
import { waitlistCard } from "./waitlist.js";

const LIVE_TEXT = {
  connecting: "Connecting…",
  open: "Live",
  reconnecting: "Reconnecting…",
  gone: "Offline",
};

const maxSeats = () => config.maxSeats;

/** After the page's own retry was shed too: the person tries again when they like. */
function tryAgain(main, view) {
  return h("button", {
    type: "button",
    class: "button",
    text: "Try again",
    on: { click: () => render(main, view) },
  });
}

function selectionKey(sessionId) {
  return `cinema.selection.${sessionId}`;
}

export async function render(main, view) {
  const sessionId = Number(view.params[0]);
  replace(main, h("p", { class: "muted", text: "Loading seats…" }));

  let aggregate;
  let initial;
  try {
    [aggregate, initial] = await Promise.all([
      get(`/api/sessions/${sessionId}/aggregate?seats=false`),
      fetchSeats(sessionId),
    ]);
  } catch (error) {
    replace(
      main,
      h("a", { href: "#/", class: "back", text: "← All movies" }),
      h("h1", { text: error.overloaded ? "Too busy right now" : "Showtime not found" }),
      error.overloaded ? tryAgain(main, view) : null,
    );
    showError(error);
    return;
  }
  if (view.left) return;

  const { session, movie, hall } = aggregate;
  const closed = session.status !== "scheduled" || msUntil(session.start_time) <= 0;
  let phase = "select"; // select | holding | held | paying | paid | expired | retrying
  let booking = null;
  let lapsed = []; // the seats of a hold that expired, to hold again
  let wheelchairAgreed = false; // asked once per selection
  let stopCountdown = () => {};

  const panel = h("aside", { class: "card panel", "aria-labelledby": "panel-title" });
  const legendBox = h("div", { class: "legend-box" });
  const liveText = h("span", { class: "live__text", text: LIVE_TEXT.connecting });
  const liveChip = h(
    "span",
    { class: "live", dataset: { live: "connecting" } },
    h("span", { class: "live__dot", "aria-hidden": "true" }),
    liveText,
  );

  const seatmap = new SeatMap({
    maxSeats: maxSeats(),
    confirmPick: async (seat) => {
      if (seat.type !== "wheelchair" || wheelchairAgreed) return true;
      wheelchairAgreed = await ask("This is a wheelchair space. Book it?", {
        detail: "These spaces are kept for people who use a wheelchair.",
        yes: "Yes, book it",
        no: "Choose another seat",
      });
      return wheelchairAgreed;
    },
    onSelect: (selected) => {
      if (selected.length === 0) wheelchairAgreed = false;
      sessionStorage.setItem(
        selectionKey(sessionId),
        JSON.stringify(selected.map((seat) => seat.seat_id)),
      );
      renderPanel();
    },
    onLimit: () =>
      notify(`You can pick up to ${plural(maxSeats(), "seat")} in one booking.`, "info"),
  });

  const help = seatHelp({
    sessionId,
    seatmap,
    maxSeats: maxSeats(),
    isOpen: () => !closed && phase === "select",
  });

  replace(
    main,
    h("a", {
      href: movie ? `#/movies/${movie.id}` : "#/",
      class: "back",
      text: movie ? `← ${movie.title}` : "← All movies",
    }),
    h(
      "header",
      { class: "session-head" },
      h("h1", { text: movie?.title ?? "Showtime" }),
      h(
        "p",
        { class: "session-head__meta" },
        h("span", { text: `${fullDate(session.start_time)} · ${timeWithZone(session.start_time)}` }),
        h("span", {
          text: hall.name ? `${hall.name} (hall ${hall.number})` : `Hall ${hall.number}`,
        }),
        liveChip,
      ),
    ),
    h(
      "div",
      { class: "session-layout" },
      h(
        "section",
        { class: "card seat-card", "aria-label": "Seat map" },
        help.element,
        seatmap.element,
        legendBox,
      ),
      panel,
    ),
    !closed && signedIn() ? waitlistCard({ sessionId, maxSeats: maxSeats() }).element : null,
  );

  const heldSeats = new HeldSeats(seatmap.grid);
  const sync = new SeatSync(sessionId, seatmap, initial, {
    onReplaced: () => {
      replace(legendBox, legend(seatmap.seats));
      heldSeats.setAll(seatmap.seats);
    },
    onChange: (change) => heldSeats.apply(change),
    onLost: (lost) => {
      if (phase === "select") notify(`${seatList(lost)}: just taken by someone else.`, "info");
    },
    onState: (state) => {
      liveChip.dataset.live = state;
      liveText.textContent = LIVE_TEXT[state];
    },
  }).start();
  view.onLeave(() => {
    sync.stop();
    seatmap.destroy();
    heldSeats.destroy();
    stopCountdown();
  });

  function adopt(held) {
    booking = held;
    const ids = held.seats.map((seat) => seat.seat_id);
    seatmap.clearSelection();
    seatmap.setMine(ids);
    seatmap.setStatus(ids, held.status === "confirmed" ? "booked" : "held", { pulse: false });
    seatmap.setLocked(true);
    phase = held.status === "confirmed" ? "paid" : "held";
    sessionStorage.removeItem(selectionKey(sessionId));
  }

  function release(message) {
    stopCountdown();
    if (booking) seatmap.setMine([]);
    booking = null;
    phase = "select";
    seatmap.setLocked(closed);
    if (message) notify(message, "info");
    renderPanel();
  }

  function expire() {
    lapsed = booking?.seats ?? [];
    release();
    phase = "expired";
    renderPanel({ focus: true });
    announce("Your hold expired, so the seats were let go. You can hold them again.", {
      urgent: true,
    });
    sync.refresh();
  }

  /** Picks the lapsed seats again where they are still free, and holds them if all are. */
  async function holdAgain() {
    phase = "retrying";
    renderPanel();
    await sync.refresh();
    if (view.left) return;
    phase = "select";
    seatmap.clearSelection();
    wheelchairAgreed = true; // they agreed when they picked these seats
    const wanted = lapsed.map((seat) => seat.seat_id);
    seatmap.select(wanted);
    const picked = new Set(seatmap.selected.map((seat) => seat.seat_id));
    const gone = lapsed.filter((seat) => !picked.has(seat.seat_id));
    lapsed = [];
    if (gone.length === 0) {
      await hold();
      return;
    }
    renderPanel({ focus: true });
    notify(
      `${seatList(gone)}: taken since. ${picked.size ? "The others are picked again." : "Pick other seats."}`,
      "info",
    );
  }

  async function hold() {
    const seats = seatmap.selected;
    if (seats.length === 0 || phase !== "select") return;
    phase = "holding";
    seatmap.setLocked(true);
    renderPanel();
    try {
      adopt(
        await postOnce("/api/bookings", {
          session_id: sessionId,
          seats_id: seats.map((seat) => seat.seat_id),
        }),
      );
      help.clear();
      announce(`${plural(seats.length, "seat")} held. Pay before the timer runs out.`);
      renderPanel({ focus: true });
      return;
    } catch (error) {
      phase = "select";
      seatmap.setLocked(closed);
      if (error.code === "seats_taken") {
        const taken = new Set(error.body.seat_ids ?? []);
        seatmap.flagTaken([...taken]);
        const names = seatList(seats.filter((seat) => taken.has(seat.seat_id)));
        notify(
          `Sorry, ${names || "some of your seats"}: just taken by someone else. Pick other seats.`,
          "error",
        );
      } else if (help.explain(error)) {
        // explained next to the seats
      } else if (error.status === 401) {
        location.hash = loginLink(location.hash);
      } else {
        showError(error, "Could not hold the seats: ");
      }
    }
    renderPanel();
  }

  async function pay() {
    phase = "paying";
    renderPanel();
    try {
      const paid = await payBooking(booking.id);
      if (!paid) return; // on the way to the provider's checkout page
      booking = paid;
      stopCountdown();
      seatmap.setStatus(
        booking.seats.map((seat) => seat.seat_id),
        "booked",
        { pulse: false },
      );
      phase = "paid";
      announce("Payment received. Enjoy the film!");
      renderPanel({ focus: true });
      return;
    } catch (error) {
      if (error.status === 409) {
        release();
        sync.refresh();
      } else {
        phase = "held";
      }
      showError(error, "Payment failed: ");
    }
    renderPanel({ focus: true });
  }

  async function cancel() {
    const held = booking;
    try {
      await post(`/api/bookings/${held.id}/cancel`);
      seatmap.setStatus(
        held.seats.map((seat) => seat.seat_id),
        "free",
      );
      release("Your hold is cancelled and the seats are free again.");
    } catch (error) {
      showError(error, "Could not cancel: ");
    }
  }

  function closedBecause() {
    if (!closed) return "";
    return session.status === "cancelled"
      ? "This showtime was cancelled."
      : "Booking has closed for this showtime.";
  }

  /** Draws the panel for the current phase; focus: true moves focus to its next action. */
  function renderPanel({ focus = false } = {}) {
    stopCountdown();
    help.setOpen(!closed && phase === "select");
    panel.dataset.phase = phase;
    let look;
    if (phase === "held" || phase === "paying") {
      look = heldPanel({
        booking,
        paying: phase === "paying",
        onPay: pay,
        onCancel: cancel,
        onWarn: () =>
          announce("One minute left to pay for your seats.", { urgent: true }),
        onExpire: expire,
      });
      const offer = extendOffer({
        booking,
        onExtended: (extended) => {
          booking = extended;
          renderPanel();
        },
      });
      const stopHeld = look.stop;
      look = { ...look, nodes: [...look.nodes, offer.element], stop: () => (stopHeld(), offer.stop()) };
    } else if (phase === "paid") {
      look = paidPanel({ booking, showtime: aggregate, onMore: () => release() });
    } else if (phase === "expired" || phase === "retrying") {
      look = expiredPanel({
        seats: lapsed,
        retrying: phase === "retrying",
        onRetry: holdAgain,
        onDismiss: () => {
          lapsed = [];
          release();
        },
      });
    } else {
      look = pickPanel({
        selected: seatmap.selected,
        maxSeats: maxSeats(),
        closedBecause: closedBecause(),
        holding: phase === "holding",
        loginHref: signedIn() ? "" : loginLink(location.hash),
        onHold: hold,
      });
    }
    stopCountdown = look.stop;
    const hadFocus = panel.contains(document.activeElement);
    replace(panel, look.nodes, look.bar);
    if (focus || hadFocus) (look.focus ?? panel.querySelector("#panel-title"))?.focus();
  }

  seatmap.setLocked(closed);
  renderPanel();
  if (!closed) {
    try {
      seatmap.select(JSON.parse(sessionStorage.getItem(selectionKey(sessionId)) ?? "[]"));
      // a restored selection was agreed to when it was picked
      wheelchairAgreed = seatmap.selected.some((seat) => seat.type === "wheelchair");
    } catch {
      sessionStorage.removeItem(selectionKey(sessionId));
    }
  }
  if (signedIn()) {
    try {
      const mine = await get("/api/me/bookings?page_size=50");
      const held = mine.items.find(
        (b) => b.session_id === sessionId && b.status === "pending" && msUntil(b.expires_at) > 0,
      );
      if (held && !view.left && phase === "select") {
        adopt(held);
        renderPanel();
      }
    } catch {
      // not fatal: the user can still pick seats
    }
  }
}
