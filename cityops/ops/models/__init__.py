"""The operations centre's tables, one module a domain (each imported here so Django finds it)."""

from cityops.ops.models.reports import Report, ReportKind, ReportStatus

__all__ = ["Report", "ReportKind", "ReportStatus"]
