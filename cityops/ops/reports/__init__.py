"""The operations reports: weekly, monthly, quarterly and yearly figures of the town's (or an area's
or a village's) cases, patrols, sensor alarms and cameras, as XLSX and PDF, made by the reports job
after each period closes and on demand, kept in an archive (``docs/ops.md``, "Reports").

- ``periods``: the periods (a week is Monday–Sunday) and their labels;
- ``figures``: what a report says, read through the same functions as the KPI, coverage and
  online-rate pages;
- ``charts``: the SVG charts; ``xlsx`` and ``pdf``: the two files;
- ``services``: request, claim and generate a report; the schedule.
"""
