"""The operations centre's panels on the screen (each domain keeps its own in its package)."""

from cityops.ops.emergency import screen as emergency_screen  # noqa: F401 — registers ops.incidents
