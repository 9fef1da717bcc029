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
from cityops.ops.models.emergency import (  # noqa: F401
    Incident,
    IncidentGrid,
    IncidentTask,
    PlanTask,
    Resource,
    ResponsePlan,
    TimelineEntry,
)
from cityops.ops.models.insight import (  # noqa: F401
    ForecastPoint,
    ForecastSeries,
    ForecastState,
    SeriesDimension,
    SeriesStatus,
)
from cityops.ops.models.reports import Report, ReportKind, ReportStatus  # noqa: F401
