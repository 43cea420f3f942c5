// "Need more time?": during the last two minutes of the user's own hold, a button that
// extends it (POST /api/bookings/{id}/extend) while the hold has extensions left.

import { post } from "../api.js";
import { msUntil } from "../clock.js";
import { h } from "../dom.js";
import { timeOfDay } from "../format.js";
import { announce, showError } from "../notice.js";

const OFFER_MS = 2 * 60 * 1000;

/**
 * The offer for a pending `booking`; onExtended(booking) runs with the extended booking.
 * Answers {element, stop}.
 */
export function extendOffer({ booking, onExtended }) {
  const button = h("button", {
    type: "button",
    class: "button button--ghost",
    text: "Give me more time",
  });
  const element = h(
    "div",
    { class: "extend-offer", hidden: true },
    h("p", { class: "extend-offer__text", text: "Need more time?" }),
    button,
  );
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const extended = await post(`/api/bookings/${booking.id}/extend`);
      announce(`Your seats are now held until ${timeOfDay(extended.expires_at)}.`);
      onExtended(extended);
    } catch (error) {
      element.hidden = true;
      showError(error, "Could not extend the hold: ");
    }
  });
  const tick = () => {
    const ms = msUntil(booking.expires_at);
    element.hidden = !(booking.extensions_left > 0 && ms > 0 && ms <= OFFER_MS);
  };
  const timer = setInterval(tick, 500);
  tick();
  return { element, stop: () => clearInterval(timer) };
}
