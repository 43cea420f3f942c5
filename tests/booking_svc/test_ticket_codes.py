"""Ticket codes: signed, compact, verifiable with the key alone, and nothing else passes."""

from __future__ import annotations

import uuid

import pytest

from booking_svc.ticket_codes import CODE_LENGTH, TicketSigner, signing_key
from svckit.errors import InvalidArgument

SIGNER = TicketSigner(b"k" * 32)
TICKET = uuid.UUID("7c9e6679-7425-40de-944b-e07fc1f90ae7")


def test_a_code_names_its_ticket_and_session() -> None:
    code = SIGNER.code(TICKET, 42)
    assert len(code) == CODE_LENGTH == 56
    assert code.isalnum()
    assert code.isupper()
    named = SIGNER.verify(code)
    assert (named.ticket_id, named.session_id) == (TICKET, 42)


def test_spaces_dashes_and_case_do_not_matter_when_typed() -> None:
    code = SIGNER.code(TICKET, 42)
    typed = "-".join(code[i : i + 4] for i in range(0, len(code), 4)).lower() + " "
    assert SIGNER.verify(typed).ticket_id == TICKET


@pytest.mark.parametrize("position", [0, 1, 20, 40, 55])
def test_any_flipped_character_is_refused(position: int) -> None:
    code = SIGNER.code(TICKET, 42)
    flipped = "B" if code[position] == "A" else "A"
    forged = code[:position] + flipped + code[position + 1 :]
    with pytest.raises(InvalidArgument) as refused:
        SIGNER.verify(forged)
    assert refused.value.code == "invalid_ticket"


@pytest.mark.parametrize(
    "garbage", ["", "hello", "1" * 56, "A" * 55, "A" * 57, "Ä" * 56, "!" * 56, "A" * 10_000]
)
def test_malformed_codes_are_refused(garbage: str) -> None:
    with pytest.raises(InvalidArgument, match="not a ticket code"):
        SIGNER.verify(garbage)


def test_another_key_makes_other_codes() -> None:
    other = TicketSigner(b"x" * 32)
    with pytest.raises(InvalidArgument):
        other.verify(SIGNER.code(TICKET, 42))


def test_the_key_is_the_ticket_secret_or_else_derived_from_the_jwt_secret() -> None:
    assert signing_key("t" * 32, "j" * 32) == b"t" * 32
    derived = signing_key("", "j" * 32)
    assert len(derived) == 32
    assert derived not in (b"j" * 32, signing_key("", "i" * 32))
