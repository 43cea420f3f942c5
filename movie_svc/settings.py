"""movie_svc settings."""

from svckit.settings import MovieSvcServing, local_database_url


class Settings(MovieSvcServing):
    movie_database_url: str = local_database_url("movies")
