"""The live seat map: booking events from Kafka fanned out to WebSocket watchers."""
