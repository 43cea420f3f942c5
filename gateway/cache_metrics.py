"""What the catalogue cache tells operators: where reads were answered, invalidations, acks."""

from __future__ import annotations

from prometheus_client import Counter

LOCAL_HITS = Counter(
    "catalogue_cache_local_hits_total",
    "Catalogue reads answered from the gateway process's own cache level, by namespace.",
    ["namespace"],
)
REDIS_HITS = Counter(
    "catalogue_cache_redis_hits_total",
    "Catalogue reads answered from Redis (not held in the process), by namespace.",
    ["namespace"],
)
LOADS = Counter(
    "catalogue_cache_loads_total",
    "Catalogue reads that asked the services (a miss, or Redis unavailable), by namespace.",
    ["namespace"],
)
INVALIDATIONS_SENT = Counter(
    "catalogue_cache_invalidations_sent_total",
    "Namespaces this gateway made stale after a write, by namespace.",
    ["namespace"],
)
INVALIDATIONS_RECEIVED = Counter(
    "catalogue_cache_invalidations_received_total",
    "Namespace invalidations this gateway heard on the Redis channel, by namespace.",
    ["namespace"],
)
ACK_TIMEOUTS = Counter(
    "catalogue_cache_ack_timeouts_total",
    "Writes answered before every subscribed replica acknowledged the invalidation.",
)
