// The tickets of a confirmed booking: one QR code per seat, to show at the door, with the code
// in words for when a scanner cannot read the screen.

import { get, getText } from "../api.js";
import { h, replace } from "../dom.js";
import { seatName, timeOfDay } from "../format.js";

const STATUS_TEXT = { valid: "Valid", used: "Checked in", void: "Void" };

/** "ABCD EFGH ...": a code in groups of four, easier to read out and type. */
export const groupedCode = (code) => code.match(/.{1,4}/g).join(" ");

/** The QR image of a ticket as a data: URL (the image needs the bearer token to load). */
async function qrSource(ticketId) {
  const svg = await getText(`/api/tickets/${ticketId}/qr.svg`, "image/svg+xml");
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

function ticketCard(ticket) {
  const name = seatName(ticket.seat);
  const image = h("img", {
    class: "ticket__qr",
    alt: `QR code of the ticket for ${name}`,
    width: 200,
    height: 200,
  });
  qrSource(ticket.ticket_id).then(
    (source) => image.setAttribute("src", source),
    () => image.replaceWith(h("p", { class: "muted", text: "The QR code could not be loaded." })),
  );
  const status =
    ticket.status === "used" && ticket.checked_in_at
      ? `Checked in at ${timeOfDay(ticket.checked_in_at)}`
      : STATUS_TEXT[ticket.status];
  return h(
    "li",
    { class: `ticket ticket--${ticket.status}`, dataset: { ticketId: ticket.ticket_id } },
    ticket.status === "valid" ? image : null,
    h(
      "div",
      { class: "ticket__body" },
      h("strong", { class: "ticket__seat", text: name }),
      h("span", { class: `badge badge--ticket-${ticket.status}`, text: status }),
      h("code", { class: "ticket__code", text: groupedCode(ticket.code) }),
    ),
  );
}

/** A section that lists a confirmed booking's tickets once they load. */
export function ticketsSection(booking) {
  const list = h("ul", { class: "tickets", "aria-busy": "true" });
  const section = h(
    "section",
    { class: "tickets-section", "aria-label": "Tickets" },
    h("h3", { text: "Your tickets" }),
    h("p", { class: "hint", text: "Show one code per person at the door." }),
    list,
  );
  get(`/api/bookings/${booking.id}/tickets`)
    .then((tickets) => replace(list, tickets.map(ticketCard)))
    .catch(() => replace(list, h("li", { class: "muted", text: "Tickets could not be loaded." })))
    .finally(() => list.setAttribute("aria-busy", "false"));
  return section;
}
