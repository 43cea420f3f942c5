"""The gateway process's own catalogue cache level: versions, bounds, and drops voiding loads."""

from __future__ import annotations

import time

import pytest

from gateway.cache_local import LocalLevel, Rendered
from tests.helpers import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(now=100.0)


def level(clock: ManualClock, *, ttl: float = 10.0, max_entries: int = 100) -> LocalLevel:
    return LocalLevel(ttl_seconds=ttl, max_entries=max_entries, clock=clock)


def test_a_stored_value_is_read_back_until_its_ttl_ends(clock: ManualClock) -> None:
    local = level(clock)
    local.store("movies", 3, "list", {"a": 1}, generation=local.generation)
    entry = local.get("movies", "list")
    assert entry is not None
    assert entry.value == {"a": 1}
    clock.now += 10.0
    assert local.get("movies", "list") is None
    assert len(local) == 0


def test_a_drop_forgets_the_namespace_only_and_moves_reads_to_the_new_version(
    clock: ManualClock,
) -> None:
    local = level(clock)
    local.store("movies", 3, "list", "old", generation=local.generation)
    local.store("halls", 7, "list", "halls", generation=local.generation)
    local.drop("movies", 4)
    assert local.get("movies", "list") is None
    assert local.get("halls", "list") is not None
    local.store("movies", 4, "list", "new", generation=local.generation)
    entry = local.get("movies", "list")
    assert entry is not None
    assert entry.value == "new"


def test_a_load_that_began_before_a_drop_is_not_kept(clock: ManualClock) -> None:
    local = level(clock)
    began = local.generation
    local.drop("halls", 2)
    assert local.store("movies", 3, "list", "maybe stale", generation=began) is None
    assert local.get("movies", "list") is None


def test_a_load_that_began_before_a_clear_is_not_kept(clock: ManualClock) -> None:
    local = level(clock)
    local.store("movies", 3, "list", "kept", generation=local.generation)
    began = local.generation
    local.clear()
    assert local.get("movies", "list") is None
    assert local.store("movies", 3, "list", "maybe stale", generation=began) is None


def test_the_least_recently_read_entry_makes_room(clock: ManualClock) -> None:
    local = level(clock, max_entries=2)
    local.store("movies", 1, "a", "A", generation=local.generation)
    local.store("movies", 1, "b", "B", generation=local.generation)
    assert local.get("movies", "a") is not None
    local.store("movies", 1, "c", "C", generation=local.generation)
    assert local.get("movies", "b") is None
    assert local.get("movies", "a") is not None
    assert local.get("movies", "c") is not None


def test_a_value_read_at_another_version_replaces_the_namespaces_entries(
    clock: ManualClock,
) -> None:
    local = level(clock)
    local.store("movies", 1, "a", "A", generation=local.generation)
    local.store("movies", 2, "b", "B", generation=local.generation)
    assert local.get("movies", "a") is None
    assert len(local) == 1


def test_a_rendered_body_that_follows_the_clock_goes_stale() -> None:
    assert Rendered(b"{}", None).fresh()
    assert Rendered(b"{}", time.time() + 60).fresh()
    assert not Rendered(b"{}", time.time() - 1).fresh()
