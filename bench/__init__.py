"""Benchmarks (`make bench`): each prints one JSON document of results."""
