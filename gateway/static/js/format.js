// How numbers, times and seats read on the page.

import { serverNow } from "./clock.js";

const DAY_MS = 24 * 60 * 60 * 1000;

/** A price in currency units with two decimals, like "15.00". */
export const money = (amount) => Number(amount).toFixed(2);

export const timeOfDay = (iso) =>
  new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });

export const fullDate = (iso) =>
  new Date(iso).toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" });

/** The local calendar day of an instant, as a sortable key. */
export function dayKey(iso) {
  const d = new Date(iso);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** "Today", "Tomorrow" or a weekday with date, for a day's heading. */
export function dayHeading(iso) {
  const today = dayKey(new Date(serverNow()).toISOString());
  const tomorrow = dayKey(new Date(serverNow() + DAY_MS).toISOString());
  const key = dayKey(iso);
  const date = fullDate(iso);
  if (key === today) return `Today · ${date}`;
  if (key === tomorrow) return `Tomorrow · ${date}`;
  return date;
}

/** Minutes and seconds left, like "14:05" (rounded down: never more time than there is). */
export function clockText(ms) {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

export const TYPE_LABELS = {
  standard: "Standard",
  vip: "VIP",
  wheelchair: "Wheelchair",
  companion: "Companion",
};

export const STATUS_LABELS = {
  free: "Free",
  selected: "Selected",
  held: "Held",
  booked: "Booked",
  mine: "Yours",
};

/** "Row 3, seat 7" */
export const seatName = (seat) => `Row ${seat.row}, seat ${seat.number}`;

export const seatList = (seats) =>
  [...seats]
    .sort((a, b) => a.row - b.row || a.number - b.number)
    .map(seatName)
    .join("; ");

export const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
