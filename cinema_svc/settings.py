"""cinema_svc settings."""

from svckit.settings import CommonSettings, local_database_url


class Settings(CommonSettings):
    cinema_database_url: str = local_database_url("cinema")
