"""The operations centre's tables, one module a domain (each imported here so Django finds it)."""

from cityops.ops.models.duty import (  # noqa: F401
    Decision,
    DecisionKind,
    Handover,
    HandoverItem,
    RosterEntry,
    RosterOfficer,
    ShiftTemplate,
)
