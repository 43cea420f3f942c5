"""The SMTP mailer against a real SMTP server (aiosmtpd) on a free local port."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from svckit.qr import qr_png
from tests.helpers import free_port
from user_svc.notifications.mailer import Attachment, SendFailed, SmtpMailer

SENDER = "Cinema Hall <no-reply@cinema-hall.local>"


class Inbox:
    """An aiosmtpd handler that keeps every message and refuses chosen recipients."""

    def __init__(self) -> None:
        self.messages: list[tuple[float, EmailMessage]] = []
        self.refuse: dict[str, str] = {}
        self._lock = threading.Lock()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content.replace(b"\r\n", b"\n"), policy=default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append((time.time(), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for _, m in self.messages if m["To"] == address]

    def wait_for(
        self, address: str, subject_start: str, *, timeout: float = 20.0
    ) -> tuple[float, EmailMessage]:
        """The first message to `address` whose subject starts so, and when it arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for arrived, message in self.messages:
                    if message["To"] == address and message["Subject"].startswith(subject_start):
                        return arrived, message
            time.sleep(0.05)
        raise AssertionError(f"no {subject_start!r} email to {address} within {timeout}s")


@contextmanager
def smtp_server(**options: Any) -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as running:
        yield running


def mailer(port: int, **options: Any) -> SmtpMailer:
    return SmtpMailer("127.0.0.1", port, sender=SENDER, timeout=5.0, **options)


async def test_a_plain_text_email_arrives_with_sender_recipient_subject_and_body(
    server: tuple[Inbox, int],
) -> None:
    inbox, port = server
    await mailer(port).send("ada@example.com", "Booking confirmed", "Row 3, seat 7\n")
    (message,) = inbox.to("ada@example.com")
    assert message["From"] == SENDER
    assert message["Subject"] == "Booking confirmed"
    assert message["Message-ID"].endswith("@cinema-hall.local>")
    assert message.get_content() == "Row 3, seat 7\n"


async def test_a_password_is_never_sent_to_a_server_without_starttls(
    server: tuple[Inbox, int],
) -> None:
    inbox, port = server
    with pytest.raises(SendFailed) as failed:
        await mailer(port, user="cinema", password="secret").send("bob@example.com", "S", "B")
    assert not failed.value.permanent
    assert inbox.to("bob@example.com") == []


async def test_starttls_demanded_but_not_offered_fails_for_retry(
    server: tuple[Inbox, int],
) -> None:
    _, port = server
    with pytest.raises(SendFailed) as failed:
        await mailer(port, starttls=True).send("cy@example.com", "S", "B")
    assert not failed.value.permanent


@pytest.mark.parametrize(
    ("answer", "permanent"), [("550 5.1.1 no such user", True), ("451 4.3.0 try later", False)]
)
async def test_a_refused_recipient_fails_for_good_only_on_a_5xx_answer(
    server: tuple[Inbox, int], answer: str, permanent: bool
) -> None:
    inbox, port = server
    address = f"refused-{answer[:3]}@example.com"
    inbox.refuse[address] = answer
    with pytest.raises(SendFailed) as failed:
        await mailer(port).send(address, "S", "B")
    assert failed.value.permanent is permanent


async def test_an_international_address_fails_for_good_on_a_server_without_smtputf8() -> None:
    with smtp_server(enable_SMTPUTF8=False) as (inbox, port):
        with pytest.raises(SendFailed) as failed:
            await mailer(port).send("jürgen@example.com", "S", "B")
        await mailer(port).send("juergen@example.com", "S", "B")
    assert failed.value.permanent
    assert len(inbox.to("juergen@example.com")) == 1


async def test_an_unreachable_server_fails_for_retry() -> None:
    with pytest.raises(SendFailed) as failed:
        await mailer(free_port()).send("dee@example.com", "S", "B")
    assert not failed.value.permanent


async def test_attachments_travel_inline_beside_the_plain_text_body(
    server: tuple[Inbox, int],
) -> None:
    inbox, port = server
    image = Attachment("ticket-row3-seat7.png", qr_png("HELLO"), "image/png")
    await mailer(port).send("bea@example.com", "Booking confirmed", "Row 3, seat 7\n", [image])
    (message,) = inbox.to("bea@example.com")
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert body.get_content() == "Row 3, seat 7\n"
    (part,) = message.iter_attachments()
    assert part.get_content_type() == "image/png"
    assert part.get_content_disposition() == "inline"
    assert part.get_filename() == "ticket-row3-seat7.png"
    assert part.get_content() == image.content
