"""What a notification says: pure functions from a booking change to email and push text."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from svckit.qr import qr_png
from user_svc.notifications.mailer import Attachment

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
REASONS: dict[str, str] = {
    "expired": "your hold expired before payment",
    "cancelled_by_user": "you cancelled it",
    "cancelled_by_admin": "the cinema cancelled it",
    "session_cancelled": "the cinema cancelled the session",
    "seats_released": "you gave back these seats",
}
"""Why a booking was cancelled, in words, by its CANCEL_REASON label."""
UNKNOWN_REASON = "it was cancelled"
SEAT_TYPES: dict[str, str] = {
    "vip": " (VIP)",
    "wheelchair": " (wheelchair space)",
    "companion": " (companion seat)",
}
"""What a seat's line adds for its SEAT_TYPE label; a standard seat adds nothing."""


class Kind(StrEnum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    REMINDER = "reminder"
    REFUNDED = "refunded"
    WAITLIST = "waitlist"
    """Seats the waiting list held for its owner."""


@dataclass(frozen=True)
class Seat:
    row: int
    number: int
    type: str = "standard"
    """A SEAT_TYPE label."""


@dataclass(frozen=True)
class TicketCode:
    """A ticket of a confirmed booking: its seat and the code its QR image carries."""

    seat: Seat
    code: str


@dataclass(frozen=True)
class BookingNotice:
    """A booking change to tell its owner about, with the id it is deduplicated on."""

    event_id: uuid.UUID
    kind: Kind
    booking_id: str
    user_id: int
    session_id: int
    seats: tuple[Seat, ...]
    total_price_cents: int
    expires_at: datetime | None = None
    reason: str = ""
    """For cancellations: a CANCEL_REASON label such as `expired` or `cancelled_by_user`."""
    tickets: tuple[TicketCode, ...] = ()
    """For confirmations: the tickets issued, one per seat."""


@dataclass(frozen=True)
class Show:
    """The session as people know it; a part is None when its lookup failed."""

    movie_title: str | None = None
    hall_name: str | None = None
    starts_at: datetime | None = None


@dataclass(frozen=True)
class Style:
    """How times and links are written: the cinema's time zone and the web page's address."""

    timezone: ZoneInfo
    base_url: str
    signature: str = "Cinema Hall"


@dataclass(frozen=True)
class PushPayload:
    title: str
    body: str
    url: str
    booking_id: str

    def encode(self) -> bytes:
        """The JSON a service worker receives."""
        fields = {"title": self.title, "body": self.body, "url": self.url}
        return json.dumps(fields | {"booking_id": self.booking_id}).encode()


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    push: PushPayload
    attachments: tuple[Attachment, ...] = ()


def seat_label(seat: Seat) -> str:
    """'Row 3, seat 7', with the seat type when it is not a standard seat."""
    return f"Row {seat.row}, seat {seat.number}{SEAT_TYPES.get(seat.type, '')}"


def seats_text(seats: tuple[Seat, ...]) -> str:
    return "; ".join(seat_label(s) for s in sorted(seats, key=lambda s: (s.row, s.number)))


def money(cents: int) -> str:
    """Cents in currency units with two decimals: 1250 -> '12.50'."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def when(moment: datetime, zone: ZoneInfo) -> str:
    """'Sat 14 Mar 2026, 19:30 UTC' in the cinema's zone, independent of the process locale."""
    local = moment.astimezone(zone)
    return (
        f"{DAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} {local.year}, "
        f"{local:%H:%M} {local.tzname()}"
    )


def clock_time(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%H:%M} {local.tzname()}"


def reason_text(reason: str) -> str:
    return REASONS.get(reason, UNKNOWN_REASON)


def booking_url(style: Style, booking_id: str) -> str:
    """The booking on the web page (its hash route of the bookings list)."""
    return f"{style.base_url}/#/bookings?booking={booking_id}"


def details(notice: BookingNotice, show: Show, style: Style) -> list[str]:
    """The facts of the booking, one per line; what a failed lookup left unknown is left out."""
    lines = []
    if show.movie_title:
        lines.append(f"Movie: {show.movie_title}")
    if show.hall_name:
        lines.append(f"Hall: {show.hall_name}")
    if show.starts_at is not None:
        lines.append(f"Time: {when(show.starts_at, style.timezone)}")
    if notice.seats:
        lines.append(f"Seats: {seats_text(notice.seats)}")
    lines.append(f"Total: {money(notice.total_price_cents)}")
    return lines


def grouped(code: str) -> str:
    """A ticket code in groups of four, as the web page shows it: easier to read out."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def ticket_lines(tickets: tuple[TicketCode, ...]) -> list[str]:
    """The tickets, one per line, after a line saying how to use them; none: nothing."""
    if not tickets:
        return []
    ordered = sorted(tickets, key=lambda t: (t.seat.row, t.seat.number))
    return [
        "Your tickets: show one QR code (attached) per person at the door, or read out its code.",
        *(f"{seat_label(ticket.seat)}: {grouped(ticket.code)}" for ticket in ordered),
        "",
    ]


def ticket_images(tickets: tuple[TicketCode, ...]) -> tuple[Attachment, ...]:
    """One QR image (PNG) per ticket, named by its seat."""
    return tuple(
        Attachment(
            f"ticket-row{ticket.seat.row}-seat{ticket.seat.number}.png",
            qr_png(ticket.code),
            "image/png",
        )
        for ticket in sorted(tickets, key=lambda t: (t.seat.row, t.seat.number))
    )


def compose(notice: BookingNotice, show: Show, name: str, style: Style) -> Message:
    """The email (a one-line subject, a plain-text body) and the push payload for one notice."""
    title = show.movie_title or "your session"
    url = booking_url(style, notice.booking_id)
    seats = seats_text(notice.seats)
    if notice.kind is Kind.CONFIRMED:
        on = f" on {when(show.starts_at, style.timezone)}" if show.starts_at else ""
        subject = f"Booking confirmed: {title}{on}"
        opening = "your booking is confirmed and paid. Enjoy the show!"
        push = PushPayload("Booking confirmed", f"{title}: {seats}", url, notice.booking_id)
    elif notice.kind is Kind.CANCELLED:
        reason = reason_text(notice.reason)
        subject = f"Booking cancelled: {title}"
        opening = f"your booking was cancelled: {reason}."
        if notice.reason == "expired":
            opening += " The seats are free again; you are welcome to book anew."
        push_body = f"{title}: {reason}"
        push = PushPayload("Booking cancelled", push_body, url, notice.booking_id)
    elif notice.kind is Kind.REFUNDED:
        subject = f"Payment refunded: {title}"
        opening = (
            f"your payment of {money(notice.total_price_cents)} arrived after your hold had "
            "ended, so these seats were not sold to you. We have refunded the full amount; "
            "your bank shows it within a few days. You are welcome to book anew."
        )
        push_body = f"{title}: your late payment was refunded in full"
        push = PushPayload("Payment refunded", push_body, url, notice.booking_id)
    elif notice.kind is Kind.WAITLIST:
        until = clock_time(notice.expires_at, style.timezone) if notice.expires_at else "soon"
        subject = f"Seats freed up for you: {title}, held until {until}"
        opening = (
            "seats you were waiting for are free, and we are holding them for you until "
            f"{until}. Pay before then to keep them; after that they go to the next guest."
        )
        push_body = f"{seats} for {title}: pay by {until} to keep them"
        push = PushPayload("Seats held for you", push_body, url, notice.booking_id)
    else:
        until = clock_time(notice.expires_at, style.timezone) if notice.expires_at else "soon"
        subject = f"Your seats are held until {until}: pay to keep them"
        opening = (
            f"your seats are held for you until {until}. Pay before then to keep them; "
            "after that they are released to other guests."
        )
        push_body = f"Pay by {until} to keep {seats} for {title}"
        push = PushPayload("Your hold expires soon", push_body, url, notice.booking_id)
    body = "\n".join(
        [
            f"Hello {name},",
            "",
            opening,
            "",
            *details(notice, show, style),
            "",
            *ticket_lines(notice.tickets),
            f"Booking {notice.booking_id}: {url}",
            "",
            style.signature,
            "",
        ]
    )
    return Message(" ".join(subject.split()), body, push, ticket_images(notice.tickets))
