"""`make chaos`: a mixed load against a stack of its own while faults are injected, then a check
of the recorded history against the databases and the Kafka topics."""
