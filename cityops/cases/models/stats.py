"""Rollups of cases, so that KPIs over a year are answered from rollup rows, never from cases.

Three tables, each the sums of the one before: ``CaseDailyStat`` per day × grid × department × big
category × channel × inspector (about 605,000 rows in the demo's year), ``CaseVillageDailyStat``
per day × village × department × big category × channel (about 260,000) and
``CaseVillageMonthlyStat`` per month of the same (about 32,000). A KPI query reads the coarsest that
answers it exactly (``cityops.cases.kpis``).

Each counter is attributed to one day by one of the case's moments (see ``docs/kpis.md``): the
report day for reported / registered / cancelled, the dispatch day for dispatched / returned, the
settlement day (the earlier of closure and the disposal deadline) for the due population, and the
check day (the earlier of the check and its deadline) for verifications and re-checks.
"""

from django.conf import settings
from django.db import models

from cityops.cases.models.catalogue import ItemCategory
from cityops.core.scoping import ScopedManager
from cityops.geo.models import Area, Grid, Village
from cityops.org.models import Department

# The counters in the order of the docs; rollup and KPI code iterate over this tuple.
COUNTERS = (
    "reported",
    "registered",
    "cancelled",
    "dispatched",
    "returned",
    "due",
    "disposed",
    "disposed_on_time",
    "closed",
    "closed_on_time",
    "overdue_open",
    "reworked",
    "effective",
    "verifications",
    "verifications_on_time",
    "rechecks",
    "rechecks_on_time",
)


def _unit(model, **kw) -> models.ForeignKey:
    return models.ForeignKey(
        model, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False, **kw
    )


class RollupCounts(models.Model):
    """The counters of a rollup row, and the units every rollup has (village × department × big
    category × channel; area rides along for scope)."""

    # Derived rows, rebuilt from cases: no single-column indexes (every query filters on its day or
    # month first, the indexes of the concrete tables) and no foreign key constraints in the
    # database (deletion still cascades through the ORM); each would make rebuilding slower.
    area = _unit(Area)
    village = _unit(Village)
    department = _unit(Department)
    big_category = _unit(ItemCategory)
    channel = models.CharField(max_length=10)
    # report day
    reported = models.PositiveIntegerField(default=0)
    registered = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    # dispatch day
    dispatched = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    # settlement day: the due population (应结案数) and its outcomes
    due = models.PositiveIntegerField(default=0)
    disposed = models.PositiveIntegerField(default=0)
    disposed_on_time = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    closed_on_time = models.PositiveIntegerField(default=0)
    overdue_open = models.PositiveIntegerField(default=0)
    reworked = models.PositiveIntegerField(default=0)
    effective = models.PositiveIntegerField(default=0)
    # check day
    verifications = models.PositiveIntegerField(default=0)
    verifications_on_time = models.PositiveIntegerField(default=0)
    rechecks = models.PositiveIntegerField(default=0)
    rechecks_on_time = models.PositiveIntegerField(default=0)

    objects = ScopedManager()
    scope_department_path = "department_id"
    # No grid level in the village rollups: a grid-scoped user is answered from CaseDailyStat
    # (restrict would skip the grid filter of a model without one), decided in cityops.cases.kpis.
    scope_paths = {"area": "area_id", "village": "village_id"}

    class Meta:
        abstract = True


class CaseDailyStat(RollupCounts):
    """Counts of one day for one grid × department × big category × channel × inspector.

    ``inspector`` is the reporting user of a patrol case (null for other channels) for the case
    counters, and the inspector who verified or re-checked for the check counters.
    """

    day = models.DateField()
    grid = _unit(Grid)
    inspector = _unit(settings.AUTH_USER_MODEL, null=True, blank=True)

    scope_paths = {"area": "area_id", "village": "village_id", "grid": "grid_id"}

    class Meta:
        indexes = [
            models.Index(fields=["day", "village", "department"], name="cases_stat_day_vd_idx"),
            models.Index(fields=["day", "area"], name="cases_stat_day_area_idx"),
        ]
        # Two partial unique constraints instead of nulls_distinct=False, which SQLite lacks.
        constraints = [
            models.UniqueConstraint(
                fields=["day", "grid", "department", "big_category", "channel", "inspector"],
                condition=models.Q(inspector__isnull=False),
                name="%(app_label)s_%(class)s_unique",
            ),
            models.UniqueConstraint(
                fields=["day", "grid", "department", "big_category", "channel"],
                condition=models.Q(inspector__isnull=True),
                name="%(app_label)s_%(class)s_unique_no_insp",
            ),
        ]

    def __str__(self):
        return f"{self.day} {self.grid_id}/{self.department_id}"


class CaseVillageDailyStat(RollupCounts):
    """The day's counts summed over grids and inspectors: day × village × department × big
    category × channel."""

    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "village", "department", "big_category", "channel"],
                name="%(app_label)s_%(class)s_unique",
            ),
        ]

    def __str__(self):
        return f"{self.day} {self.village_id}/{self.department_id}"


class CaseVillageMonthlyStat(RollupCounts):
    """A calendar month's village counts: the sums of its ``CaseVillageDailyStat`` rows."""

    month = models.DateField(help_text="the first day of the month")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "village", "department", "big_category", "channel"],
                name="%(app_label)s_%(class)s_unique",
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.village_id}/{self.department_id}"
