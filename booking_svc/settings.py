"""booking_svc settings."""

from svckit.settings import CommonSettings, local_database_url


class Settings(CommonSettings):
    booking_database_url: str = local_database_url("booking")
