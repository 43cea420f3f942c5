"""/healthz reflects every service's gRPC health."""

from __future__ import annotations

import httpx

from deploy.stack import SERVICES
from tests.conftest import RunningStack


def test_healthz_is_200_with_all_four_services_serving(api: httpx.Client) -> None:
    response = api.get("/healthz")
    assert response.status_code == 200
    assert response.json()["services"] == dict.fromkeys(SERVICES, "SERVING")


def test_healthz_is_503_naming_a_stopped_service(
    api: httpx.Client, running_stack: RunningStack
) -> None:
    running_stack.stack.stop("movie_svc")
    try:
        response = api.get("/healthz")
        assert response.status_code == 503
        body = response.json()
        assert body["down"] == ["movie_svc"]
        assert body["code"] == "service_unavailable"
        assert "movie_svc" in body["error"]
    finally:
        running_stack.stack.start("movie_svc")
        running_stack.stack.wait_healthy(running_stack.base_url)
    assert api.get("/healthz").status_code == 200
