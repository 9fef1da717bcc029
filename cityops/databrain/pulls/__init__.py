"""Scheduled pulls: a resource's records fetched from an HTTP API or a SQL query and loaded through
the same path as a file (``loads.load_file``: the saved mapping, quality checks, upsert by key, all
or nothing, the load log with the file named ``pull: <name>``).

- ``fetch``: reading a source (HTTP with paging, or a single read-only SELECT) into a file's bytes;
  whatever goes wrong is a ``PullFailed`` naming it.
- ``schedule``: the next run (every N minutes, or daily at HH:MM in the town's time).
- ``services``: saving a source (secrets sealed, audited), running one (``pull_run``) and the due ones.
- ``views``: the sources of a resource, their form and "pull now".
"""
