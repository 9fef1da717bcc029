"""The security app's tables, by concept: the register (``register``), the terminals
(``terminals``) and the incidents (``incidents``)."""

from cityops.security.models.incidents import (
    Incident,
    IncidentEntry,
    IncidentStep,
    IncidentSystem,
    ReportTimer,
)
from cityops.security.models.register import InfoSystem, SystemContact
from cityops.security.models.terminals import Terminal

__all__ = [
    "Incident",
    "IncidentEntry",
    "IncidentStep",
    "IncidentSystem",
    "InfoSystem",
    "ReportTimer",
    "SystemContact",
    "Terminal",
]
