"""Sharing the data brain's resources: consumers, requests and their approval against the
10-working-day clock, grants, consumer keys, and the log of every read."""
