"""Metrics: batched queries (one statement per table and range) and the facts read from them."""
