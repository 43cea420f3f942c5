"""The VAPID key pair (RFC 8292) push services know this application by.

Made on the first start and kept in the database, so every replica signs with the same key
and browsers' subscriptions survive restarts. Replicas starting together each offer a fresh
key with insert-if-absent and then all read back the one that won.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from svckit.db import reading
from user_svc.notifications.models import VapidKey

KEY_ROW = 1


@dataclass(frozen=True)
class VapidKeyPair:
    private_key: ec.EllipticCurvePrivateKey
    public_key: str
    """The application server key: base64url (unpadded) of the uncompressed P-256 point."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_key_text(key: ec.EllipticCurvePublicKey) -> str:
    point = key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(point)


def new_key_pair() -> VapidKeyPair:
    private_key = ec.generate_private_key(ec.SECP256R1())
    return VapidKeyPair(private_key, public_key_text(private_key.public_key()))


def private_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def load_private_pem(pem: str) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TypeError("the stored VAPID key is not an EC key")
    return key


async def ensure_vapid_keys(sessions: async_sessionmaker[AsyncSession]) -> VapidKeyPair:
    """The deployment's key pair, creating it if no replica has yet."""
    offered = new_key_pair()
    async with sessions.begin() as db:
        await db.execute(
            insert(VapidKey)
            .values(
                id=KEY_ROW,
                private_key_pem=private_pem(offered.private_key),
                public_key=offered.public_key,
            )
            .on_conflict_do_nothing(index_elements=[VapidKey.id])
        )
    async with reading(sessions) as db:
        row = (
            await db.execute(
                select(VapidKey.private_key_pem, VapidKey.public_key).where(VapidKey.id == KEY_ROW)
            )
        ).one()
    return VapidKeyPair(load_private_pem(row.private_key_pem), row.public_key)
