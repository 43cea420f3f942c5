// How much a session has sold: what cancelling it would end.

import { get } from "../api.js";
import { fetchSeats } from "../seatsync.js";

/** The seats in live bookings of a session (sold and held), from its seat map. */
export async function bookingsToCancel(sessionId) {
  const { seats } = await fetchSeats(sessionId);
  const sold = seats.filter((seat) => seat.status === "booked").length;
  const held = seats.filter((seat) => seat.status === "held").length;
  return { seats: sold + held, sold, held };
}

/** The reports API's figures of one session: {seats_total, sold, held, free, revenue}. */
export const loadReport = (sessionId) => get(`/api/reports/sessions/${sessionId}`);
