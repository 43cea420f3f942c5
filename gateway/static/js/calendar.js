// "Add to calendar": an iCalendar (.ics, RFC 5545) event for a booking, built in the browser.

import { h } from "./dom.js";
import { seatList } from "./format.js";

const stamp = (iso) =>
  new Date(iso)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");

/** Text as an iCalendar TEXT value: backslash, semicolon, comma and newlines escaped. */
const text = (value) => String(value).replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\r?\n/g, "\\n");

/** The .ics text of one booking; showtime is {movie, hall, session} (an aggregate). */
export function bookingEvent(booking, { movie, hall, session }) {
  const place = hall.name || `Hall ${hall.number}`;
  return [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Cinema Hall//Booking//EN",
    "CALSCALE:GREGORIAN",
    "BEGIN:VEVENT",
    `UID:${booking.id}@cinema-hall`,
    `DTSTAMP:${stamp(new Date().toISOString())}`,
    `DTSTART:${stamp(session.start_time)}`,
    `DTEND:${stamp(session.end_time)}`,
    `SUMMARY:${text(movie?.title ?? "Cinema")}`,
    `LOCATION:${text(place)}`,
    `DESCRIPTION:${text(`${seatList(booking.seats)}. Booking ${booking.id}`)}`,
    "END:VEVENT",
    "END:VCALENDAR",
    "",
  ].join("\r\n");
}

/** A button that downloads the booking's .ics file; null without the showtime. */
export function calendarLink(booking, showtime) {
  if (!showtime) return null;
  return h("button", {
    type: "button",
    class: "button button--ghost calendar-link",
    text: "Add to calendar",
    on: {
      click: () => {
        const file = new Blob([bookingEvent(booking, showtime)], { type: "text/calendar" });
        const url = URL.createObjectURL(file);
        const link = h("a", { href: url, download: `cinema-${booking.id}.ics`, hidden: true });
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 1000);
      },
    },
  });
}
