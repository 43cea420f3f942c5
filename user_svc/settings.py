"""user_svc settings."""

from email.utils import parseaddr
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator

from svckit.settings import CommonSettings, local_database_url
from user_svc.domain import DEFAULT_ADMIN_NAME


class Settings(CommonSettings):
    user_database_url: str = local_database_url("users")
    bcrypt_rounds: int = Field(default=10, ge=4, le=15)
    """bcrypt cost: 10 keeps a login near 70 ms; tests may use 4."""
    admin_email: str = ""
    admin_password: SecretStr = SecretStr("")
    admin_name: str = DEFAULT_ADMIN_NAME
    """When ADMIN_EMAIL and ADMIN_PASSWORD are both set, start-up ensures this admin account."""
    jwt_refresh_ttl_seconds: int = Field(default=14 * 24 * 3600, gt=0)
    """How long a refresh token stays valid; each refresh issues a new one for as long."""

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
    push_allow_insecure_endpoints: bool = False
    """Accept http:// and private-address push endpoints (tests with a local push service)."""
    hold_reminder_seconds: int = Field(default=300, ge=0)
    """Remind this long before an unpaid hold expires; 0 sends no reminders."""
    public_base_url: str = "http://127.0.0.1:8000"
    """Where users open the web page; links in notifications point here."""
    cinema_timezone: str = "UTC"
    """Session times in notifications are shown in this IANA time zone."""

    @field_validator("smtp_from")
    @classmethod
    def _has_address(cls, value: str) -> str:
        if "@" not in parseaddr(value)[1]:
            raise ValueError("SMTP_FROM needs an email address, e.g. 'Cinema <no-reply@x.org>'")
        return value

    @field_validator("cinema_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("public_base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")
