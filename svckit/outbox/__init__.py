"""Transactional outbox: events are written with the change that causes them, then relayed to Kafka.

An event row exists if and only if its transaction committed. One relay per database is
the leader at a time (a PostgreSQL advisory lock), so rows are published in commit order
and one session's events keep their order on its partition; other replicas stand by.

- `table`: the outbox table and the NOTIFY channel (no database access);
- `writer`: queues events in the caller's transaction (the session's psycopg connection);
- `leadership`: the relay's own connection, leader lock and NOTIFY wake-ups (raw psycopg);
- `relay`: publishes, marks and purges rows (the service's SQLAlchemy engine);
- `metrics`: the relay's Prometheus series.
"""

from svckit.outbox.relay import OutboxRelay
from svckit.outbox.table import NOTIFY_CHANNEL, outbox_table
from svckit.outbox.writer import OutboxEvent, add_event, add_events, add_events_and_commit

__all__ = [
    "NOTIFY_CHANNEL",
    "OutboxEvent",
    "OutboxRelay",
    "add_event",
    "add_events",
    "add_events_and_commit",
    "outbox_table",
]
