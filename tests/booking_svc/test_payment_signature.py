"""Webhook signatures and the demo provider's rules, without I/O."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from booking_svc.payments.demo import Card, card_of, parse_event, webhook_payload
from booking_svc.payments.demo_webhooks import MAX_BACKOFF, backoff
from booking_svc.payments.provider import Outcome
from booking_svc.payments.signature import sign, signature, verify
from svckit.errors import InvalidArgument, Unauthenticated

SECRET = "whsec-test-0123456789abcdef0123456789"
BODY = b'{"id":"evt_1","type":"payment_intent.succeeded"}'
NOW = 1_900_000_000


def refused(code: str) -> pytest.RaisesExc[Unauthenticated]:
    return pytest.raises(Unauthenticated, check=lambda error: error.code == code)


def test_a_signature_made_now_is_accepted_and_its_time_returned() -> None:
    assert verify(BODY, sign(BODY, SECRET, NOW), SECRET, now=NOW + 10) == NOW


def test_the_signature_is_the_hmac_sha256_of_the_timestamp_dot_body() -> None:
    # hmac.new(SECRET, b"1900000000." + BODY, sha256), computed independently below
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert signature(BODY, SECRET, NOW) == expected
    assert sign(BODY, SECRET, NOW) == f"t={NOW},v1={expected}"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda header: header.replace("v1=", "v1=0"),
        lambda header: header[:-1] + ("0" if header[-1] != "0" else "1"),
        lambda header: header.replace(f"t={NOW}", f"t={NOW + 1}"),
    ],
    ids=["longer", "one digit changed", "timestamp moved"],
)
def test_a_tampered_signature_is_invalid(tamper: object) -> None:
    header = tamper(sign(BODY, SECRET, NOW))  # type: ignore[operator]
    with refused("invalid_signature"):
        verify(BODY, header, SECRET, now=NOW)


def test_another_body_or_secret_does_not_match() -> None:
    header = sign(BODY, SECRET, NOW)
    with refused("invalid_signature"):
        verify(BODY + b" ", header, SECRET, now=NOW)
    with refused("invalid_signature"):
        verify(BODY, header, SECRET + "x", now=NOW)


@pytest.mark.parametrize(
    "header", ["", "v1=abc", f"t={NOW}", "t=abc,v1=ab", f"t={NOW},t={NOW},v1=ab", "garbage"]
)
def test_a_missing_or_malformed_header_is_invalid(header: str) -> None:
    with refused("invalid_signature"):
        verify(BODY, header, SECRET, now=NOW)


@pytest.mark.parametrize("offset", [-301, 301, -86_400])
def test_a_timestamp_outside_the_tolerance_is_stale_even_when_signed_right(offset: int) -> None:
    header = sign(BODY, SECRET, NOW + offset)
    with refused("stale_webhook"):
        verify(BODY, header, SECRET, now=NOW, tolerance=300)


def test_inside_the_tolerance_either_way_is_accepted() -> None:
    for offset in (-300, 300):
        verify(BODY, sign(BODY, SECRET, NOW + offset), SECRET, now=NOW, tolerance=300)


def test_any_of_several_v1_signatures_may_match_a_rolled_secret() -> None:
    old = signature(BODY, "old-secret-0123456789abcdef01234567", NOW)
    header = f"t={NOW},v1={old},v1={signature(BODY, SECRET, NOW)}"
    assert verify(BODY, header, SECRET, now=NOW) == NOW


@pytest.mark.parametrize(
    ("number", "card"),
    [
        ("4242 4242 4242 4242", Card.SUCCEEDS),
        ("4242424242424242", Card.SUCCEEDS),
        ("4000-0000-0000-0002", Card.DECLINED),
        ("4000 0000 0000 3220", Card.NEEDS_CONFIRMATION),
    ],
)
def test_the_test_cards_behave_as_documented(number: str, card: Card) -> None:
    assert card_of(number) is card


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("", "invalid_card_number"),
        ("4242", "invalid_card_number"),
        ("4242 4242 4242 424x", "invalid_card_number"),
        ("5555 5555 5555 4444", "unknown_test_card"),
    ],
)
def test_other_numbers_are_refused(number: str, code: str) -> None:
    with pytest.raises(InvalidArgument, check=lambda error: error.code == code):
        card_of(number)


def test_an_event_round_trips_through_its_json() -> None:
    payload = webhook_payload("payment_intent.succeeded", "pay-1", 2550, "EUR")
    event = parse_event(payload)
    assert event.event_id == json.loads(payload)["id"]
    assert event.event_id.startswith("evt_")
    assert (event.outcome, event.provider_ref, event.amount_cents, event.currency) == (
        Outcome.SUCCEEDED,
        "pay-1",
        2550,
        "EUR",
    )
    failed = parse_event(webhook_payload("payment_intent.payment_failed", "pay-1", 1, "EUR"))
    assert failed.outcome is Outcome.FAILED
    assert parse_event(webhook_payload("charge.dispute", "p", 1, "EUR")).outcome is Outcome.OTHER


@pytest.mark.parametrize("payload", [b"", b"[]", b'{"id": "e"}', b'{"id":"e","type":"x","data":1}'])
def test_a_body_that_is_no_event_is_invalid(payload: bytes) -> None:
    with pytest.raises(InvalidArgument, check=lambda error: error.code == "invalid_webhook"):
        parse_event(payload)


def test_retries_back_off_doubling_up_to_an_hour() -> None:
    base = timedelta(seconds=2)
    assert [backoff(n, base) for n in (1, 2, 3, 4)] == [base, base * 2, base * 4, base * 8]
    assert backoff(40, base) == MAX_BACKOFF
