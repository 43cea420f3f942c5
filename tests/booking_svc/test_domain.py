"""Booking rules that need no database: the state machine and request validation."""

from __future__ import annotations

import itertools

import pytest

from booking_svc.domain import (
    PAYMENT_AFTER,
    Action,
    Payment,
    Status,
    next_status,
    request_hash,
    sources,
    validate_idempotency_key,
    validate_seat_selection,
)
from svckit.errors import InvalidArgument

P, C, F, E, X = (
    Status.PENDING,
    Status.CONFIRMED,
    Status.FINISHED,
    Status.EXPIRED,
    Status.CANCELLED,
)
EXPECTED: dict[Status, dict[Action, Status | None]] = {
    P: {Action.CONFIRM: C, Action.CANCEL: X, Action.EXPIRE: E, Action.FINISH: None},
    C: {Action.CONFIRM: None, Action.CANCEL: X, Action.EXPIRE: None, Action.FINISH: F},
    F: {Action.CONFIRM: None, Action.CANCEL: None, Action.EXPIRE: None, Action.FINISH: None},
    E: {Action.CONFIRM: None, Action.CANCEL: None, Action.EXPIRE: None, Action.FINISH: None},
    X: {Action.CONFIRM: None, Action.CANCEL: None, Action.EXPIRE: None, Action.FINISH: None},
}


def test_the_expected_table_covers_every_status_and_action() -> None:
    assert set(EXPECTED) == set(Status)
    assert all(set(row) == set(Action) for row in EXPECTED.values())


@pytest.mark.parametrize(
    ("status", "action"), list(itertools.product(Status, Action)), ids=lambda v: str(v)
)
def test_every_status_and_action_is_allowed_or_refused_as_the_contract_says(
    status: Status, action: Action
) -> None:
    assert next_status(status, action) == EXPECTED[status][action]


def test_sources_are_the_statuses_an_action_is_allowed_from() -> None:
    for action in Action:
        allowed = {status for status in Status if EXPECTED[status][action] is not None}
        assert set(sources(action)) == allowed


def test_payment_follows_the_action() -> None:
    assert PAYMENT_AFTER[Action.CONFIRM][Payment.PENDING] == Payment.PAID
    assert PAYMENT_AFTER[Action.CANCEL] == {
        Payment.PENDING: Payment.VOID,
        Payment.PAID: Payment.REFUNDED,
    }
    assert PAYMENT_AFTER[Action.EXPIRE][Payment.PENDING] == Payment.VOID


@pytest.mark.parametrize(
    ("seats", "code"),
    [([], "no_seats"), ([1, 2, 1], "duplicate_seats"), ([1, 2, 3, 4, 5], "too_many_seats")],
)
def test_a_bad_seat_selection_is_refused_with_its_code(seats: list[int], code: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        validate_seat_selection(seats, max_seats=4)
    assert refused.value.code == code


def test_duplicates_are_named() -> None:
    with pytest.raises(InvalidArgument) as refused:
        validate_seat_selection([3, 1, 3, 1, 2], max_seats=10)
    assert refused.value.details == {"seat_ids": [1, 3]}


def test_a_valid_selection_comes_back_sorted() -> None:
    assert validate_seat_selection([9, 2, 5], max_seats=4) == (2, 5, 9)


def test_the_request_hash_ignores_seat_order_but_not_session_or_seats() -> None:
    assert request_hash(1, [3, 1, 2]) == request_hash(1, [1, 2, 3])
    assert request_hash(1, [1, 2]) != request_hash(2, [1, 2])
    assert request_hash(1, [1, 2]) != request_hash(1, [1, 3])
    assert request_hash(1, [12]) != request_hash(11, [2])


def test_an_idempotency_key_is_optional_and_bounded() -> None:
    assert validate_idempotency_key("") is None
    assert validate_idempotency_key("k" * 255) == "k" * 255
    with pytest.raises(InvalidArgument):
        validate_idempotency_key("k" * 256)
