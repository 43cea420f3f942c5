"""How the push sender reads push service answers (the wire format is checked end to end)."""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from user_svc.notifications.recipients import Subscription
from user_svc.notifications.vapid import new_key_pair
from user_svc.notifications.webpush import PushFailed, PushOutcome, PushSender

Answer = Callable[[httpx.Request], httpx.Response]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def browser_subscription(endpoint: str = "https://push.example.com/abc") -> Subscription:
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return Subscription(1, endpoint, b64(point), b64(os.urandom(16)))


@pytest.fixture
async def sender_for() -> AsyncIterator[Callable[[Answer], PushSender]]:
    clients: list[httpx.AsyncClient] = []

    def make(answer: Answer) -> PushSender:
        client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
        clients.append(client)
        return PushSender(new_key_pair(), subject="mailto:ops@example.com", client=client)

    yield make
    for client in clients:
        await client.aclose()


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (201, PushOutcome.SENT),
        (202, PushOutcome.SENT),
        (404, PushOutcome.GONE),
        (410, PushOutcome.GONE),
        (400, PushOutcome.REJECTED),
        (403, PushOutcome.REJECTED),
        (413, PushOutcome.REJECTED),
    ],
)
async def test_the_push_service_answer_decides_the_outcome(
    sender_for: Callable[[Answer], PushSender], status: int, outcome: PushOutcome
) -> None:
    sender = sender_for(lambda _: httpx.Response(status))
    assert await sender.send(browser_subscription(), b"{}", ttl=60) is outcome


@pytest.mark.parametrize("status", [429, 500, 502, 503])
async def test_busy_or_broken_push_services_are_tried_again_later(
    sender_for: Callable[[Answer], PushSender], status: int
) -> None:
    sender = sender_for(lambda _: httpx.Response(status))
    with pytest.raises(PushFailed):
        await sender.send(browser_subscription(), b"{}", ttl=60)


async def test_an_unreachable_push_service_is_tried_again_later(
    sender_for: Callable[[Answer], PushSender],
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(PushFailed):
        await sender_for(refuse).send(browser_subscription(), b"{}", ttl=60)


async def test_the_request_is_encrypted_signed_and_says_how_long_to_keep_it(
    sender_for: Callable[[Answer], PushSender],
) -> None:
    seen: list[httpx.Request] = []

    def accept(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201)

    await sender_for(accept).send(browser_subscription(), b'{"a": 1}', ttl=90, urgency="high")
    (request,) = seen
    assert request.method == "POST"
    assert request.headers["Content-Encoding"] == "aes128gcm"
    assert (request.headers["TTL"], request.headers["Urgency"]) == ("90", "high")
    assert request.headers["Authorization"].startswith("vapid t=")
    assert b'"a"' not in request.content


@pytest.mark.parametrize(
    "subscription",
    [
        Subscription(1, "https://push.example.com/x", "not-a-key", b64(os.urandom(16))),
        Subscription(1, "https://push.example.com/x", b64(b"\x04" + b"\x00" * 64), "c2VjcmV0"),
        browser_subscription("https://[2001:db8::1]/x"),
    ],
)
async def test_a_subscription_that_cannot_be_used_is_gone_without_a_request(
    sender_for: Callable[[Answer], PushSender], subscription: Subscription
) -> None:
    seen: list[httpx.Request] = []

    def accept(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201)

    assert await sender_for(accept).send(subscription, b"{}", ttl=60) is PushOutcome.GONE
    assert seen == []
