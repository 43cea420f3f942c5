"""Sending email: over SMTP (stdlib smtplib in a worker thread), or into the log.

STARTTLS: SMTP_STARTTLS=true always, false never; unset (the default) uses it when the server
offers it and insists on it when SMTP_USER is set, so a password never crosses in the clear.
Implicit TLS (port 465) is not supported; submission on 587 with STARTTLS is the norm.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Protocol

log = logging.getLogger(__name__)


class SendFailed(Exception):
    """A message was not sent. Permanent: retrying cannot help (this recipient or message is
    refused); otherwise the server or the configuration may recover."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Attachment:
    """A file an email carries, shown inline where the mail client can (a ticket's QR code)."""

    filename: str
    content: bytes
    mime_type: str


class Mailer(Protocol):
    async def send(
        self, to: str, subject: str, body: str, attachments: Sequence[Attachment] = ()
    ) -> None:
        """Sends one plain-text email, with any attachments, or raises SendFailed."""


def email_message(
    sender: str, to: str, subject: str, body: str, attachments: Sequence[Attachment] = ()
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(body)
    for attachment in attachments:
        maintype, subtype = attachment.mime_type.split("/")
        message.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
            disposition="inline",
        )
    return message


class SmtpMailer:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        user: str = "",
        password: str = "",
        starttls: bool | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.user = user
        self.password = password
        self.starttls = starttls
        self.timeout = timeout

    async def send(
        self, to: str, subject: str, body: str, attachments: Sequence[Attachment] = ()
    ) -> None:
        try:
            message = email_message(self.sender, to, subject, body, attachments)
        except (ValueError, TypeError) as error:
            raise SendFailed(f"cannot write this email: {error}", permanent=True) from None
        await asyncio.to_thread(self._send_now, message)

    def _send_now(self, message: EmailMessage) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.ehlo()
                if self._use_tls(smtp):
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if self.user:
                    smtp.login(self.user, self.password)
                try:
                    smtp.send_message(message)
                except smtplib.SMTPNotSupportedError as error:
                    raise SendFailed(str(error), permanent=True) from None
        except smtplib.SMTPRecipientsRefused as refused:
            codes = [code for code, _ in refused.recipients.values()]
            raise SendFailed(
                f"recipient refused: {codes}", permanent=bool(codes) and min(codes) >= 500
            ) from None
        except smtplib.SMTPDataError as error:
            raise SendFailed(
                f"message refused: {error.smtp_code}", permanent=error.smtp_code >= 500
            ) from None
        except (smtplib.SMTPException, OSError) as error:
            raise SendFailed(f"SMTP {self.host}:{self.port}: {error!r}") from None

    def _use_tls(self, smtp: smtplib.SMTP) -> bool:
        if self.starttls is not None:
            return self.starttls
        if smtp.has_extn("starttls"):
            return True
        if self.user:
            raise SendFailed(
                "the server offers no STARTTLS; not sending SMTP_PASSWORD in the clear"
            )
        return False


class LogMailer:
    """Without SMTP_HOST: writes each email to the log, so development shows what would go out."""

    async def send(
        self, to: str, subject: str, body: str, attachments: Sequence[Attachment] = ()
    ) -> None:
        names = ", ".join(attachment.filename for attachment in attachments) or "none"
        log.info(
            "email not sent (SMTP_HOST unset) to %s: %s\n%s\nattachments: %s",
            to,
            subject,
            body,
            names,
        )
