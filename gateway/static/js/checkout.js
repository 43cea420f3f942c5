// Paying through the payment provider: with one (GET /api/payments/config), Pay opens the
// provider's checkout page, which sends the customer back to "My bookings?paid=<id>"; with
// none, Pay confirms the hold at once.

import { get, post } from "./api.js";
import { notify } from "./notice.js";

const RETURN_POLL_MS = 500;
const RETURN_WAIT_MS = 15000;
let config = null;

/** {provider, currency}; "none" when it cannot be read. */
export function paymentConfig() {
  config ??= get("/api/payments/config").catch(() => ({ provider: "none", currency: "" }));
  return config;
}

/**
 * Pays a pending booking. Without a provider: confirms it and answers the booking. With one:
 * opens (or reopens) its payment and goes to the checkout page; answers null.
 */
export async function payBooking(bookingId) {
  const { provider } = await paymentConfig();
  if (provider === "none") return post(`/api/bookings/${bookingId}/confirm`);
  const payment = await post(`/api/bookings/${bookingId}/pay`);
  location.assign(payment.checkout_url);
  return null;
}

/**
 * Back from the checkout page (`?paid=<booking id>`): waits for the provider's webhook to settle
 * the booking (so the list then shows it settled), says how it went, and drops the mark.
 */
export async function followPaymentReturn(view) {
  const bookingId = view.query.get("paid");
  if (!bookingId) return;
  notify("Checking your payment…", "info", { sticky: true });
  const until = Date.now() + RETURN_WAIT_MS;
  let booking = null;
  while (!view.left && Date.now() < until) {
    booking = await get(`/api/bookings/${encodeURIComponent(bookingId)}`).catch(() => null);
    if (booking && booking.status !== "pending") break;
    await new Promise((resolve) => setTimeout(resolve, RETURN_POLL_MS));
  }
  if (view.left) return;
  if (booking?.status === "confirmed") {
    notify("Payment received. Your seats are confirmed.", "success");
  } else if (booking?.payment_status === "refunded") {
    notify("Your payment came after the hold ended, so it was refunded in full.", "error");
  } else {
    notify("No payment has arrived yet. You can pay again until the hold runs out.", "info");
  }
  history.replaceState(null, "", "#/bookings");
}
