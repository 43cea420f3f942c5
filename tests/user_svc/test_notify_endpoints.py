"""Push endpoints are user input the service will POST to: only https to public hosts."""

from __future__ import annotations

import pytest

from svckit.errors import InvalidArgument
from user_svc.domain import MAX_ENDPOINT_LENGTH, valid_push_endpoint

ACCEPTED = [
    "https://fcm.googleapis.com/fcm/send/dGVzdA:APA91b",
    "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk",
    "https://web.push.apple.com/QGz8vM",
    "https://push.example.com:8443/x",
    "https://8.8.8.8/push",
]
REFUSED = [
    "http://push.example.com/x",
    "ftp://push.example.com/x",
    "javascript:alert(1)",
    "https:///no-host",
    "push.example.com/x",
    "",
    "https://user:secret@push.example.com/x",
    "https://push.example.com/x#fragment",
    "https://push.example.com/with space",
    "https://push.example.com/\r\nX-Injected: 1",
    "https://push.example.com:99999/x",
    "https://localhost/x",
    "https://127.0.0.1/x",
    "https://10.1.2.3/x",
    "https://192.168.0.1/x",
    "https://169.254.169.254/latest/meta-data",
    "https://[::1]/x",
    "https://push.example.com/" + "a" * MAX_ENDPOINT_LENGTH,
]


@pytest.mark.parametrize("endpoint", ACCEPTED)
def test_https_endpoints_of_public_hosts_are_accepted(endpoint: str) -> None:
    assert valid_push_endpoint(endpoint) == endpoint


@pytest.mark.parametrize("endpoint", REFUSED)
def test_other_endpoints_are_refused_with_invalid_push_endpoint(endpoint: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        valid_push_endpoint(endpoint)
    assert refused.value.code == "invalid_push_endpoint"


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:8123/push/1", "https://localhost/x"])
def test_insecure_endpoints_pass_only_when_allowed(endpoint: str) -> None:
    with pytest.raises(InvalidArgument):
        valid_push_endpoint(endpoint)
    assert valid_push_endpoint(endpoint, allow_insecure=True) == endpoint


@pytest.mark.parametrize(
    "endpoint",
    ["ftp://127.0.0.1/x", "http://user:pw@127.0.0.1/x", "http://127.0.0.1/a b"],
)
def test_allowing_insecure_endpoints_still_refuses_other_schemes_and_credentials(
    endpoint: str,
) -> None:
    with pytest.raises(InvalidArgument):
        valid_push_endpoint(endpoint, allow_insecure=True)
