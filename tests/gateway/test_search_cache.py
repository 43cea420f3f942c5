"""Free-text searches are not cached, so distinct search texts cannot grow the cache."""

from __future__ import annotations

import httpx

from cinemapb.movie.v1 import movie_pb2
from tests.gateway.fakes import FakeCache, FakeClients
from tests.gateway.helpers import a_movie


async def test_distinct_search_texts_make_no_cache_keys(
    api: httpx.AsyncClient, services: FakeClients, cache: FakeCache
) -> None:
    services.movies.replies["ListMovies"] = movie_pb2.ListMoviesResponse(items=[a_movie()], total=1)
    for i in range(50):
        response = await api.get("/api/movies", params={"q": f"arrival {i}"})
        assert response.status_code == 200, response.text
        assert response.json()["items"][0]["title"] == "Arrival"
    assert cache.keys == []
    assert services.movies.last("ListMovies").request.query == "arrival 49"


async def test_browsing_without_a_search_text_is_still_cached(
    api: httpx.AsyncClient, services: FakeClients, cache: FakeCache
) -> None:
    services.movies.replies["ListMovies"] = movie_pb2.ListMoviesResponse(items=[a_movie()], total=1)
    assert (await api.get("/api/movies", params={"year": 2016})).status_code == 200
    assert [namespace for namespace, _ in cache.keys] == ["movies"]
