"""The error answers each route documents, built from the error codes it may answer with."""

from __future__ import annotations

from typing import Any

from gateway.schemas import ErrorBody

ERRORS: dict[str, tuple[int, str]] = {
    "bad_request": (400, "A body that cannot be read (not UTF-8 JSON)"),
    "payload_too_large": (413, "A request body over GATEWAY_MAX_BODY_BYTES"),
    "validation_error": (422, "Invalid input"),
    "invalid_json": (422, "A body that is not well-formed JSON (`line` and `column` say where)"),
    "bad_gateway": (502, "A service failed unexpectedly"),
    "service_unavailable": (503, "A service is down"),
    "overloaded": (
        503,
        "This kind of API request is at the gateway's in-flight limit "
        "(GATEWAY_MAX_IN_FLIGHT_*): answered at once, reached no service; send it again after "
        "Retry-After seconds",
    ),
    "unauthenticated": (401, "No valid access token"),
    "invalid_credentials": (401, "Wrong email or password"),
    "invalid_refresh_token": (401, "Unknown, expired, revoked or already used refresh token"),
    "token_revoked": (401, "The sign-in ended: password, role or account changed"),
    "forbidden": (403, "Your role does not allow it (an admin's, or your own account's)"),
    "too_many_requests": (429, "Too many requests from this client or account; see Retry-After"),
    "email_taken": (409, "Email already registered"),
    "user_not_found": (404, "No such user"),
    "genre_not_found": (404, "No such genre"),
    "genre_exists": (409, "Name taken, ignoring case"),
    "movie_not_found": (404, "No such movie"),
    "unknown_genre": (422, "Genres that do not exist, listed in `genre_ids`"),
    "hall_not_found": (404, "No such hall"),
    "hall_exists": (409, "Another hall has this number"),
    "hall_in_use": (409, "The hall has sessions"),
    "seat_not_found": (404, "No such seat"),
    "seat_exists": (409, "Another seat is there"),
    "session_not_found": (404, "No such session"),
    "session_overlap": (409, "Overlaps another session in the hall"),
    "session_started": (
        409,
        "The session has started (for a customer's cancel of a paid booking: or is within "
        "BOOKING_CANCEL_CUTOFF_MINUTES of it, with `cancel_cutoff_minutes`)",
    ),
    "hold_limit": (
        409,
        "You would hold more than BOOKING_MAX_SEATS_PER_USER seats of the session "
        "(`max_seats_per_user`)",
    ),
    "session_cancelled": (409, "The session is cancelled"),
    "session_finished": (409, "The session is over"),
    "invalid_time_range": (422, "Start in the past or end not after start"),
    "booking_not_found": (404, "No such booking, or not yours"),
    "seats_taken": (409, "Seats taken, listed in `seat_ids`"),
    "hold_expired": (409, "Past its payment deadline"),
    "booking_not_pending": (409, "Not pending"),
    "booking_not_cancellable": (409, "Not pending or confirmed"),
    "not_pending": (409, "Not a pending hold (paid or cancelled)"),
    "extension_limit": (
        409,
        "Extended BOOKING_MAX_EXTENSIONS times already (`max_extensions`)",
    ),
    "invalid_seat_count": (422, "Not between 1 and BOOKING_MAX_SEATS seats (`max_seats`)"),
    "waitlist_exists": (409, "You already wait for this session"),
    "waitlist_entry_not_found": (404, "No such waiting-list entry, or not yours"),
    "waitlist_entry_not_waiting": (409, "The entry was served, left or ended already"),
    "no_seats": (422, "No seats"),
    "duplicate_seats": (422, "A seat listed twice"),
    "too_many_seats": (422, "More seats than BOOKING_MAX_SEATS"),
    "seat_not_in_hall": (422, "Seats not in the session's hall, listed in `seat_ids`"),
    "idempotency_key_reused": (422, "The Idempotency-Key came before with another request"),
    "invalid_push_endpoint": (422, "Not an https push endpoint"),
    # seat selection: best available, orphan seats, companion seats, partial cancellation
    "no_adjacent_seats": (
        409,
        "No row has that many free seats together; `suggestion` lists the best split into two "
        "groups (empty when there is none)",
    ),
    "orphan_seat": (
        422,
        "It would leave a single free seat stranded: `seat_id`, `row`, `number` name it "
        "(`stranded` lists all)",
    ),
    "companion_needs_wheelchair": (
        422,
        "A companion seat without the wheelchair place beside it in the booking (`seat_ids`)",
    ),
    "invalid_seat_type": (422, "Best available picks standard or vip seats"),
    "seat_not_in_booking": (422, "Seats that are not live seats of the booking (`seat_ids`)"),
    "booking_would_be_empty": (
        422,
        "Giving back every seat: cancel the whole booking instead",
    ),
    "push_subscription_not_found": (404, "You have no subscription with this endpoint"),
    "ticket_not_found": (404, "No such ticket, or not yours"),
    "invalid_ticket": (422, "Not a ticket code of this cinema: mistyped, damaged or forged"),
    "ticket_void": (409, "The ticket's booking was cancelled"),
    "already_checked_in": (
        409,
        "The ticket was checked in before: when (`checked_in_at`) and by whom (`checked_in_by`)",
    ),
    "wrong_session": (
        409,
        "The ticket is for another session than the door's (`ticket_session_id`)",
    ),
    "seats_booked": (
        409,
        "Seats with live bookings in sessions that are not over, listed in `seat_ids` and "
        "`sessions` ({session_id, start_time, seat_ids})",
    ),
    "invalid_layout": (422, "A seat both retyped and removed, retyped twice, or too many changes"),
    "invalid_price": (422, "A seat type price out of range, or given for standard"),
    "invalid_date": (422, "from/to not days (YYYY-MM-DD), to before from, or over 400 days"),
    # payments
    "payment_required": (409, "A payment provider takes the payments: pay, do not confirm"),
    "no_payment_provider": (409, "PAYMENTS_PROVIDER is none: confirm the booking instead"),
    "invalid_signature": (401, "A webhook whose signature is missing or does not match"),
    "stale_webhook": (401, "A webhook signed too long ago (or ahead)"),
    "webhook_replayed": (409, "A webhook event received before"),
    "invalid_webhook": (422, "A webhook body that is not a payment event of ours"),
    "payment_not_found": (404, "No such payment at the demo provider"),
    "invalid_card_number": (422, "Not a card number (12 to 19 digits)"),
    "unknown_test_card": (422, "Not one of the demo provider's test cards"),
    "checkout_closed": (409, "The payment succeeded or was refunded already"),
    "no_challenge": (409, "The payment awaits no confirmation"),
}
"""Every error code a route documents: its HTTP status and what it means."""

ANY_ROUTE = (
    "bad_request",
    "payload_too_large",
    "validation_error",
    "invalid_json",
    "too_many_requests",
    "bad_gateway",
    "service_unavailable",
    "overloaded",
)
"""What every route may answer, whatever it does: the app documents these for all of them."""

ADMIN_ONLY = ("unauthenticated", "forbidden")
"""What a route for admins answers to a caller without a token, or without the role."""
STAFF_ONLY = ADMIN_ONLY
"""What a route for staff and admins answers to a caller without a token, or a user."""


def error_responses(*codes: str) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route that may answer with these error codes, one entry a status."""
    by_status: dict[int, list[str]] = {}
    for code in codes:
        status, meaning = ERRORS[code]
        by_status.setdefault(status, []).append(f"{meaning} ({code})")
    return {
        status: {"model": ErrorBody, "description": "; ".join(meanings)}
        for status, meanings in sorted(by_status.items())
    }
