"""Ticket codes: what a ticket's QR code says, signed so that a door can check it offline.

Format (version 1), 35 bytes written as 56 characters of RFC 4648 base32 without padding:

    version (1 byte, 0x01) | ticket id (16 bytes, the UUID) | session id (8 bytes, big-endian)
    | MAC (10 bytes: the first 80 bits of HMAC-SHA256(key, the 25 bytes before it))

Base32's alphabet (A-Z, 2-7) is within a QR code's alphanumeric mode, so the code takes
fewer modules than base64 would, and it reads aloud without case mistakes. Whoever holds the
key verifies a code without asking anyone (the ticket id and session id are inside it);
forging one means guessing 80 bits. The key is TICKET_SIGNING_SECRET, or else derived from
JWT_SECRET (HMAC-SHA256 of JWT_SECRET over KEY_DERIVATION_LABEL); changing it invalidates
every code issued before. Typed codes may carry spaces or dashes and any letter case.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
import uuid
from dataclasses import dataclass

from svckit.errors import InvalidArgument

VERSION = 1
MAC_BYTES = 10
BODY = struct.Struct(">B16sQ")
CODE_LENGTH = (BODY.size + MAC_BYTES) * 8 // 5
KEY_DERIVATION_LABEL = b"cinema-hall ticket codes v1"


@dataclass(frozen=True)
class CodeContent:
    """What a verified code names."""

    ticket_id: uuid.UUID
    session_id: int


def invalid_ticket() -> InvalidArgument:
    return InvalidArgument(
        "this is not a ticket code of this cinema (mistyped, damaged or forged)",
        code="invalid_ticket",
    )


def signing_key(ticket_secret: str, jwt_secret: str) -> bytes:
    """The key codes are signed with: the ticket secret, or one derived from the JWT secret."""
    if ticket_secret:
        return ticket_secret.encode()
    return hmac.new(jwt_secret.encode(), KEY_DERIVATION_LABEL, hashlib.sha256).digest()


def normalized(typed: str) -> str:
    """A code as scanned or typed, without spaces or dashes, in upper case."""
    return "".join(typed.split()).replace("-", "").upper()


class TicketSigner:
    """Writes and checks ticket codes with one key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()[:MAC_BYTES]

    def code(self, ticket_id: uuid.UUID, session_id: int) -> str:
        body = BODY.pack(VERSION, ticket_id.bytes, session_id)
        return base64.b32encode(body + self._mac(body)).decode("ascii")

    def verify(self, typed: str) -> CodeContent:
        """What a genuine code names; InvalidArgument `invalid_ticket` for anything else."""
        text = normalized(typed)
        if len(text) != CODE_LENGTH:
            raise invalid_ticket()
        try:
            raw = base64.b32decode(text)
        except (binascii.Error, ValueError):
            raise invalid_ticket() from None
        body, mac = raw[: BODY.size], raw[BODY.size :]
        if not hmac.compare_digest(mac, self._mac(body)):
            raise invalid_ticket()
        version, ticket_bytes, session_id = BODY.unpack(body)
        if version != VERSION:
            raise invalid_ticket()
        return CodeContent(uuid.UUID(bytes=ticket_bytes), session_id)
