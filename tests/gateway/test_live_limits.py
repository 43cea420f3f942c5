"""One client address may hold only LIVE_MAX_CONNECTIONS_PER_CLIENT live feeds at a time.

The route's refusal (close 1013) is tested against the real process in tests/e2e/test_hardening.py.
"""

from __future__ import annotations

from gateway.live.slots import ConnectionSlots
from gateway.settings import GatewaySettings


def test_slots_are_counted_per_address_and_given_back() -> None:
    slots = ConnectionSlots(per_client=1)
    with slots.take("a") as first, slots.take("a") as second, slots.take("b") as other:
        assert (first, second, other) == (True, False, True)
        assert slots.open("a") == 1
    assert slots.open("a") == 0


def test_the_default_limit_is_20() -> None:
    assert GatewaySettings.model_fields["live_max_connections_per_client"].default == 20
