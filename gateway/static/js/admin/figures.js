// What a session has sold, from the reports API: its figures, and what cancelling it would end.

import { get, getAll } from "../api.js";
import { addDays, localDay } from "./dates.js";

/** The reports API's figures of one session: {seats_total, sold, held, free, revenue}. */
export const loadReport = (sessionId) => get(`/api/reports/sessions/${sessionId}`);

/**
 * The paid bookings (with their seats and revenue) and the held seats that cancelling
 * `session` would end. The sales report's days are the cinema's, so a day either side is asked.
 */
export async function bookingsToCancel(session) {
  const start = new Date(session.start_time);
  const range = new URLSearchParams({
    from: localDay(addDays(start, -1)),
    to: localDay(addDays(start, 1)),
    group_by: "session",
  });
  const [report, rows] = await Promise.all([
    loadReport(session.id),
    getAll(`/api/reports/sales?${range}`),
  ]);
  const row = rows.find((candidate) => candidate.key === String(session.id));
  return {
    paid: row?.bookings ?? 0,
    sold: report.sold,
    held: report.held,
    revenue: report.revenue,
  };
}
