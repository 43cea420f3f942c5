"""A stand-in service for the relay-process tests: runs RelayProcess for the outbox at the DSN
in argv[1], publishing to the broker at argv[2], until it is killed."""

from __future__ import annotations

import asyncio
import sys

from svckit.outbox.process import RelayProcess, RelaySpec

if __name__ == "__main__":
    spec = RelaySpec("test_parent", sys.argv[1], sys.argv[2], "test_parent")
    asyncio.run(RelayProcess(spec).run())
