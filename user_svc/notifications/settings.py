"""Notification settings: mail, web push, reminders and how messages show times and links."""

from email.utils import parseaddr

from pydantic import Field, SecretStr, field_validator

from svckit.settings import CinemaLocale, CinemaSvcPeer, KafkaSettings, MovieSvcPeer


class NotificationSettings(KafkaSettings, CinemaSvcPeer, MovieSvcPeer, CinemaLocale):
    """Follows the booking topics and asks cinema_svc and movie_svc what a booking is for."""

    smtp_host: str = ""
    """Without it, emails are written to the log instead of being sent."""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_from: str = "Cinema Hall <no-reply@cinema-hall.local>"
    smtp_starttls: bool | None = None
    """True: always STARTTLS; false: never; unset: when the server offers it, and always
    when SMTP_USER is set (a password never travels in the clear)."""
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    hold_reminder_seconds: int = Field(default=300, ge=0)
    """Remind this long before an unpaid hold expires; 0 sends no reminders."""
    public_base_url: str = "http://127.0.0.1:8000"
    """Where users open the web page; links in notifications point here."""

    @field_validator("smtp_from")
    @classmethod
    def _has_address(cls, value: str) -> str:
        if "@" not in parseaddr(value)[1]:
            raise ValueError("SMTP_FROM needs an email address, e.g. 'Cinema <no-reply@x.org>'")
        return value

    @field_validator("public_base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")
