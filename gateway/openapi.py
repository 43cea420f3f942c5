"""The error answers each route documents, built from the error codes it may answer with."""

from __future__ import annotations

from typing import Any

from gateway.schemas import ErrorBody

ERRORS: dict[str, tuple[int, str]] = {
    "bad_request": (400, "A body that cannot be read (not UTF-8 JSON)"),
    "payload_too_large": (413, "A request body over GATEWAY_MAX_BODY_BYTES"),
    "validation_error": (422, "Invalid input"),
    "bad_gateway": (502, "A service failed unexpectedly"),
    "service_unavailable": (503, "A service is down"),
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
    "no_seats": (422, "No seats"),
    "duplicate_seats": (422, "A seat listed twice"),
    "too_many_seats": (422, "More seats than BOOKING_MAX_SEATS"),
    "seat_not_in_hall": (422, "Seats not in the session's hall, listed in `seat_ids`"),
    "idempotency_key_reused": (422, "The Idempotency-Key came before with another request"),
    "invalid_push_endpoint": (422, "Not an https push endpoint"),
    "push_subscription_not_found": (404, "You have no subscription with this endpoint"),
    "seats_booked": (
        409,
        "Seats with live bookings in sessions that are not over, listed in `seat_ids` and "
        "`sessions` ({session_id, start_time, seat_ids})",
    ),
    "invalid_layout": (422, "A seat both retyped and removed, retyped twice, or too many changes"),
    "invalid_price": (422, "A seat type price out of range, or given for standard"),
    "invalid_date": (422, "from/to not days (YYYY-MM-DD), to before from, or over 400 days"),
}
"""Every error code a route documents: its HTTP status and what it means."""

ANY_ROUTE = (
    "bad_request",
    "payload_too_large",
    "validation_error",
    "too_many_requests",
    "bad_gateway",
    "service_unavailable",
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
