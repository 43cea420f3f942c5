"""The local Redis launcher caps Redis' memory like compose does."""

from __future__ import annotations

from pathlib import Path

from deploy.redis_server import REDIS_MEMORY_CAP, server_command


def test_the_memory_cap_is_256_mb_with_lru_eviction_of_any_key() -> None:
    assert REDIS_MEMORY_CAP == ("--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru")


def test_the_local_redis_starts_with_the_memory_cap(tmp_path: Path) -> None:
    argv = server_command("redis-server", tmp_path)
    joined = " ".join(argv)
    assert " ".join(REDIS_MEMORY_CAP) in joined
    assert "--save" in argv
