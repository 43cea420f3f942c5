"""After startup, what startup made is out of the garbage collector's way."""

from __future__ import annotations

import gc

from svckit.heap import freeze_startup_objects


def test_objects_alive_at_startup_are_no_longer_scanned() -> None:
    startup_state = {"pools": [object() for _ in range(1000)]}
    try:
        freeze_startup_objects()
        assert gc.get_freeze_count() >= 1000
        assert not any(o is startup_state for o in gc.get_objects(generation=2))
    finally:
        gc.unfreeze()
    assert any(o is startup_state for o in gc.get_objects())
