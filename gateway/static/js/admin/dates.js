// Calendar arithmetic for the console, in the browser's time zone (as the booking page shows).

const DAY_MS = 24 * 60 * 60 * 1000;
const pad = (n) => String(n).padStart(2, "0");

/** "YYYY-MM-DD" of a Date's local calendar day. */
export const localDay = (date) =>
  `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;

/** Local midnight of a "YYYY-MM-DD" day. */
export function parseDay(text) {
  const [year, month, day] = String(text).split("-").map(Number);
  const date = new Date(year, (month || 1) - 1, day || 1);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function addDays(date, days) {
  const moved = new Date(date);
  moved.setDate(moved.getDate() + days);
  return moved;
}

/** Local midnight of the Monday of the week `date` falls in. */
export function weekStart(date) {
  const midnight = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  return addDays(midnight, -((midnight.getDay() + 6) % 7));
}

/** The UTC days ("YYYY-MM-DD") an interval of local time touches: what /api/sessions?date= takes. */
export function utcDaysBetween(start, end) {
  const days = new Set();
  for (let t = start.getTime(); t < end.getTime(); t += DAY_MS / 2) {
    days.add(new Date(t).toISOString().slice(0, 10));
  }
  days.add(new Date(end.getTime() - 1).toISOString().slice(0, 10));
  return [...days];
}

/** The value of a datetime-local input for an ISO instant. */
export function toLocalInput(iso) {
  const d = new Date(iso);
  return `${localDay(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** An ISO instant with its zone from a datetime-local value, or "" when empty or invalid. */
export function fromLocalInput(value) {
  const date = new Date(value);
  return value && !Number.isNaN(date.getTime()) ? date.toISOString() : "";
}

export const addMinutes = (iso, minutes) =>
  new Date(new Date(iso).getTime() + minutes * 60 * 1000).toISOString();

export const dayLabel = (date) =>
  date.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" });
