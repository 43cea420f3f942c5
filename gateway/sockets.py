"""Room for thousands of clients at once: a long accept queue and enough file descriptors.

Every open connection is a file descriptor of the gateway process. A presale's 2,000 clients
at once need more than the 1,024 many systems give a process by default (its soft limit), so
the gateway raises its soft limit to the hard one when it starts, as far as it may without
privileges. Connections that arrive faster than they are accepted wait in the listen backlog
(GATEWAY_LISTEN_BACKLOG, which the kernel caps at net.core.somaxconn).
"""

from __future__ import annotations

import logging
import resource

log = logging.getLogger(__name__)

OPEN_FILES_NEEDED = 8192
"""Descriptors for 2,000+ client connections at once, with room for the services' channels,
Kafka, Redis, logs and the connections of a second burst still closing."""


def raise_open_file_limit(needed: int = OPEN_FILES_NEEDED) -> int:
    """Raises this process's soft RLIMIT_NOFILE to its hard limit when below `needed`.

    Answers the soft limit in force afterwards; warns when even the hard limit is short.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return soft
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard != resource.RLIM_INFINITY and hard < needed:
        log.warning(
            "open files limited to %d (hard limit); %d wanted for thousands of clients",
            hard,
            needed,
        )
    return hard
