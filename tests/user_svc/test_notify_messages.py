"""What notifications say: pure composition from a booking notice and what is known of the show."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cinemapb.booking.v1 import booking_pb2, tickets_pb2
from cinemapb.cinema.v1 import cinema_pb2
from cinemapb.events.v1 import events_pb2
from svckit.protoconv import to_timestamp
from svckit.qr import qr_png
from svckit.vocabulary import CANCEL_REASON, SEAT_TYPE
from user_svc.notifications.events import (
    booking_notice,
    decode_event,
    event_id_of,
    reminder_id,
)
from user_svc.notifications.messages import (
    REASONS,
    SEAT_TYPES,
    BookingNotice,
    Kind,
    Seat,
    Show,
    Style,
    TicketCode,
    compose,
    money,
    seats_text,
)

STYLE = Style(timezone=ZoneInfo("UTC"), base_url="https://cinema.example")
SHOW = Show(
    movie_title="The Long Take",
    hall_name="Red Hall",
    starts_at=datetime(2026, 3, 14, 19, 30, tzinfo=UTC),
)
BOOKING_ID = "0b7e1f6a-5a0e-4a53-9d43-2f5f0f3c1a10"


def notice(kind: Kind, reason: str = "", **changes: object) -> BookingNotice:
    fields: dict[str, object] = {
        "event_id": uuid.uuid4(),
        "kind": kind,
        "booking_id": BOOKING_ID,
        "user_id": 7,
        "session_id": 11,
        "seats": (Seat(3, 8), Seat(3, 7), Seat(1, 2, "vip")),
        "total_price_cents": 3750,
        "expires_at": datetime(2026, 3, 14, 18, 5, tzinfo=UTC),
        "reason": reason,
    }
    return BookingNotice(**(fields | changes))  # type: ignore[arg-type]


def test_a_confirmation_names_the_movie_hall_time_seats_total_and_links_the_booking() -> None:
    message = compose(notice(Kind.CONFIRMED), SHOW, "Ada", STYLE)
    assert message.subject == "Booking confirmed: The Long Take on Sat 14 Mar 2026, 19:30 UTC"
    assert message.body.startswith("Hello Ada,\n")
    for line in (
        "Movie: The Long Take",
        "Hall: Red Hall",
        "Time: Sat 14 Mar 2026, 19:30 UTC",
        "Seats: Row 1, seat 2 (VIP); Row 3, seat 7; Row 3, seat 8",
        "Total: 37.50",
        f"Booking {BOOKING_ID}: https://cinema.example/#/bookings?booking={BOOKING_ID}",
    ):
        assert line in message.body.splitlines()


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("expired", "your hold expired before payment"),
        ("cancelled_by_user", "you cancelled it"),
        ("cancelled_by_admin", "the cinema cancelled it"),
        ("session_cancelled", "the cinema cancelled the session"),
        ("", "it was cancelled"),
    ],
)
def test_a_cancellation_gives_its_reason_in_words(reason: str, words: str) -> None:
    message = compose(notice(Kind.CANCELLED, reason), SHOW, "Ada", STYLE)
    assert message.subject == "Booking cancelled: The Long Take"
    assert f"your booking was cancelled: {words}." in message.body
    assert words in message.push.body
    assert "Seats: Row 1, seat 2 (VIP); Row 3, seat 7; Row 3, seat 8" in message.body


def test_only_an_expired_hold_says_that_the_seats_are_free_again() -> None:
    expired = compose(notice(Kind.CANCELLED, "expired"), SHOW, "Ada", STYLE)
    by_user = compose(notice(Kind.CANCELLED, "cancelled_by_user"), SHOW, "Ada", STYLE)
    assert "seats are free again" in expired.body
    assert "seats are free again" not in by_user.body


def test_a_reminder_says_until_when_the_seats_are_held_in_the_cinemas_time_zone() -> None:
    berlin = Style(timezone=ZoneInfo("Europe/Berlin"), base_url="https://cinema.example")
    message = compose(notice(Kind.REMINDER), SHOW, "Ada", berlin)
    assert message.subject == "Your seats are held until 19:05 CET: pay to keep them"
    assert "held for you until 19:05 CET" in message.body
    assert "Time: Sat 14 Mar 2026, 20:30 CET" in message.body
    assert message.push.title == "Your hold expires soon"


def test_the_subject_stays_one_line_whatever_the_movie_title_holds() -> None:
    show = Show("Bad\r\nBcc: victim@example.com", "Red Hall", None)
    message = compose(notice(Kind.CANCELLED, "cancelled_by_user"), show, "Ada", STYLE)
    assert message.subject == "Booking cancelled: Bad Bcc: victim@example.com"


def test_what_failed_lookups_left_unknown_is_left_out_and_the_rest_still_goes() -> None:
    message = compose(notice(Kind.CONFIRMED), Show(), "Ada", STYLE)
    assert message.subject == "Booking confirmed: your session"
    assert "Movie:" not in message.body
    assert "Hall:" not in message.body
    assert "Time:" not in message.body
    assert "Seats: Row 1, seat 2 (VIP); Row 3, seat 7; Row 3, seat 8" in message.body
    assert "Total: 37.50" in message.body


def test_the_push_payload_is_small_json_with_title_body_url_and_booking_id() -> None:
    payload = json.loads(compose(notice(Kind.CONFIRMED), SHOW, "Ada", STYLE).push.encode())
    assert payload == {
        "title": "Booking confirmed",
        "body": "The Long Take: Row 1, seat 2 (VIP); Row 3, seat 7; Row 3, seat 8",
        "url": f"https://cinema.example/#/bookings?booking={BOOKING_ID}",
        "booking_id": BOOKING_ID,
    }


@pytest.mark.parametrize(
    ("cents", "text"), [(0, "0.00"), (5, "0.05"), (1250, "12.50"), (100000, "1000.00")]
)
def test_money_is_written_in_currency_units_with_two_decimals(cents: int, text: str) -> None:
    assert money(cents) == text


def test_seats_are_listed_in_row_and_number_order() -> None:
    assert seats_text((Seat(2, 10), Seat(2, 9), Seat(1, 4, "wheelchair"))) == (
        "Row 1, seat 4 (wheelchair space); Row 2, seat 9; Row 2, seat 10"
    )


def booking_event(**changes: object) -> events_pb2.BookingEvent:
    event = events_pb2.BookingEvent(
        event_id=str(uuid.uuid4()),
        booking_id=BOOKING_ID,
        user_id=7,
        session_id=11,
        status=booking_pb2.BOOKING_STATUS_CANCELLED,
        reason=events_pb2.CANCEL_REASON_SESSION_CANCELLED,
        total_price_cents=1250,
        expires_at=to_timestamp(datetime(2026, 3, 14, 18, 5, tzinfo=UTC)),
        seats=[booking_pb2.BookedSeat(row=3, number=7, type=cinema_pb2.SEAT_TYPE_VIP)],
    )
    for name, value in changes.items():
        setattr(event, name, value)
    return event


def test_an_event_becomes_a_notice_with_seats_reason_and_deadline() -> None:
    event = booking_event()
    found = decode_event(event.SerializeToString())
    assert found is not None
    made = booking_notice(found, Kind.CANCELLED, uuid.UUID(event.event_id))
    assert made.seats == (Seat(3, 7, "vip"),)
    assert made.reason == "session_cancelled"
    assert made.expires_at == datetime(2026, 3, 14, 18, 5, tzinfo=UTC)
    assert (made.booking_id, made.user_id, made.session_id) == (BOOKING_ID, 7, 11)


def test_records_that_are_not_booking_events_are_not_decoded() -> None:
    assert decode_event(b"\xff\xff\xff") is None
    assert decode_event(b"") is None
    assert decode_event(booking_event(user_id=0).SerializeToString()) is None


def test_the_ce_id_header_is_the_id_to_deduplicate_on_and_must_be_a_uuid() -> None:
    event = booking_event()
    header = str(uuid.uuid4())
    assert event_id_of(event, header) == uuid.UUID(header)
    assert event_id_of(event, "") == uuid.UUID(event.event_id)
    assert event_id_of(event, "not-a-uuid") is None


def test_a_booking_has_one_reminder_id_per_deadline_and_other_bookings_other_ones() -> None:
    deadline = datetime(2030, 1, 1, 12, tzinfo=UTC)
    assert reminder_id(BOOKING_ID, deadline) == reminder_id(BOOKING_ID, deadline)
    assert reminder_id(BOOKING_ID, deadline) != reminder_id(str(uuid.uuid4()), deadline)
    later = deadline + timedelta(minutes=5)
    assert reminder_id(BOOKING_ID, deadline) != reminder_id(BOOKING_ID, later)


def test_every_cancel_reason_has_its_words_and_no_other_spelling_does() -> None:
    assert set(REASONS) == set(CANCEL_REASON.labels)


def test_seat_type_notes_are_keyed_by_seat_type_labels() -> None:
    assert set(SEAT_TYPES) <= set(SEAT_TYPE.labels)


CODE = "AF6J4ZTZOQSUBXUUJPQH7QPZBLTQAAAAAAAAAAAEWGSOMOSFY2XD25K4"
OTHER_CODE = "AF6J4ZTZOQSUBXUUJPQH7QPZBLTQAAAAAAAAAAAEWGSOMOSFY2XD25K5"


def test_a_confirmation_carries_each_tickets_code_and_qr_image_by_seat() -> None:
    tickets = (TicketCode(Seat(3, 8), OTHER_CODE), TicketCode(Seat(1, 2, "vip"), CODE))
    message = compose(notice(Kind.CONFIRMED, tickets=tickets), SHOW, "Ada", STYLE)
    lines = message.body.splitlines()
    first = (
        "Row 1, seat 2 (VIP): AF6J 4ZTZ OQSU BXUU JPQH 7QPZ BLTQ AAAA AAAA AAAE WGSO MOSF Y2XD 25K4"
    )
    second = "Row 3, seat 8: AF6J 4ZTZ OQSU BXUU JPQH 7QPZ BLTQ AAAA AAAA AAAE WGSO MOSF Y2XD 25K5"
    assert lines.index(first) + 1 == lines.index(second)
    assert [a.filename for a in message.attachments] == [
        "ticket-row1-seat2.png",
        "ticket-row3-seat8.png",
    ]
    assert message.attachments[0].content == qr_png(CODE)
    assert {a.mime_type for a in message.attachments} == {"image/png"}


def test_other_notices_carry_no_tickets() -> None:
    message = compose(notice(Kind.CANCELLED, "expired"), SHOW, "Ada", STYLE)
    assert message.attachments == ()
    assert "tickets" not in message.body


def test_a_confirmed_events_tickets_reach_the_notice_with_their_codes() -> None:
    event = booking_event(status=booking_pb2.BOOKING_STATUS_CONFIRMED, reason=0)
    event.tickets.append(
        tickets_pb2.Ticket(
            id=str(uuid.uuid4()),
            code=CODE,
            seat=booking_pb2.BookedSeat(row=3, number=7, type=cinema_pb2.SEAT_TYPE_VIP),
        )
    )
    found = decode_event(event.SerializeToString())
    assert found is not None
    made = booking_notice(found, Kind.CONFIRMED, uuid.UUID(event.event_id))
    assert made.tickets == (TicketCode(Seat(3, 7, "vip"), CODE),)
