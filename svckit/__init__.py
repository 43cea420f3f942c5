"""Plumbing shared by every service and the gateway: settings, logs, gRPC, database, Kafka."""
