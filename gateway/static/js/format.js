// How money, times and seats read on the page: the cinema's currency and time zone, the
// browser's language.

import { serverNow } from "./clock.js";
import { config } from "./config.js";

const DAY_MS = 24 * 60 * 60 * 1000;
const zone = { timeZone: config.timeZone };

const moneyFormat = new Intl.NumberFormat(undefined, {
  style: "currency",
  currency: config.currency,
});
const timeFormat = new Intl.DateTimeFormat(undefined, { ...zone, hour: "2-digit", minute: "2-digit" });
const dateFormat = new Intl.DateTimeFormat(undefined, {
  ...zone,
  weekday: "short",
  day: "numeric",
  month: "short",
});
const dayKeyFormat = new Intl.DateTimeFormat("en-CA", {
  ...zone,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});
const zoneNameFormat = new Intl.DateTimeFormat(undefined, { ...zone, timeZoneName: "short" });

/** A price in the cinema's currency, in the browser's language, like "€15.00". */
export const money = (amount) => moneyFormat.format(Number(amount));

/** The time of day of an instant in the cinema's zone, like "19:30". */
export const timeOfDay = (iso) => timeFormat.format(new Date(iso));

/** The date of an instant in the cinema's zone, like "Fri, 27 Nov". */
export const fullDate = (iso) => dateFormat.format(new Date(iso));

/** The cinema's zone as people read it at that instant, like "CET" or "GMT+1". */
export function zoneName(iso) {
  const part = zoneNameFormat.formatToParts(new Date(iso)).find((p) => p.type === "timeZoneName");
  return part?.value ?? config.timeZone;
}

/** "19:30 CET" */
export const timeWithZone = (iso) => `${timeOfDay(iso)} ${zoneName(iso)}`;

/** The cinema's calendar day of an instant, as a sortable key like "2026-11-27". */
export const dayKey = (iso) => dayKeyFormat.format(new Date(iso));

/** Today's and the next days' keys in the cinema's zone, `count` of them. */
export const nextDays = (count) =>
  Array.from({ length: count }, (_, i) => new Date(serverNow() + i * DAY_MS).toISOString());

/** "Today", "Tomorrow" or a weekday with date, for a day's heading. */
export function dayHeading(iso) {
  const key = dayKey(iso);
  const date = fullDate(iso);
  if (key === dayKey(new Date(serverNow()).toISOString())) return `Today · ${date}`;
  if (key === dayKey(new Date(serverNow() + DAY_MS).toISOString())) return `Tomorrow · ${date}`;
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

/** "Row 6: 7, 8 · Row 7: 3" - a short list for the bottom bar. */
export function seatSummary(seats) {
  const rows = new Map();
  for (const seat of [...seats].sort((a, b) => a.row - b.row || a.number - b.number)) {
    if (!rows.has(seat.row)) rows.set(seat.row, []);
    rows.get(seat.row).push(seat.number);
  }
  return [...rows].map(([row, numbers]) => `Row ${row}: ${numbers.join(", ")}`).join(" · ");
}

export const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
