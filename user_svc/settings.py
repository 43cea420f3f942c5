"""user_svc settings (its notifications have their own: user_svc.notifications.settings)."""

from pydantic import Field, SecretStr

from svckit.settings import JwtSettings, KafkaSettings, UserSvcServing, local_database_url
from user_svc.domain import DEFAULT_ADMIN_NAME


class Settings(UserSvcServing, JwtSettings, KafkaSettings):
    """Accounts: its database, password hashing, token signing and the configured admin."""

    user_database_url: str = local_database_url("users")
    bcrypt_rounds: int = Field(default=10, ge=4, le=15)
    """bcrypt cost: 10 keeps a login near 70 ms; tests may use 4."""
    admin_email: str = ""
    admin_password: SecretStr = SecretStr("")
    admin_name: str = DEFAULT_ADMIN_NAME
    """When ADMIN_EMAIL and ADMIN_PASSWORD are both set, start-up ensures this admin account."""
    push_allow_insecure_endpoints: bool = False
    """Accept http:// and private-address push endpoints (tests with a local push service)."""
    jwt_refresh_ttl_seconds: int = Field(default=14 * 24 * 3600, gt=0)
    """How long a refresh token stays valid; each refresh issues a new one for as long."""
