"""Daily rollups of cases, so that KPIs over a year are answered from a few thousand rows."""

from django.conf import settings
from django.db import models

from cityops.cases.models.catalogue import ItemCategory
from cityops.core.scoping import ScopedManager
from cityops.geo.models import Area, Grid, Village
from cityops.org.models import Department


class CaseDailyStat(models.Model):
    """Counts of one day for one grid × department × big category × channel × reporting inspector."""

    day = models.DateField(db_index=True)
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="+")
    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    big_category = models.ForeignKey(ItemCategory, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reported = models.PositiveIntegerField(default=0)
    valid_reports = models.PositiveIntegerField(default=0)
    registered = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    dispatched = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    disposed = models.PositiveIntegerField(default=0)
    disposed_on_time = models.PositiveIntegerField(default=0)
    due = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    closed_on_time = models.PositiveIntegerField(default=0)
    overdue_open = models.PositiveIntegerField(default=0)
    reworked = models.PositiveIntegerField(default=0)
    rechecks = models.PositiveIntegerField(default=0)
    rechecks_on_time = models.PositiveIntegerField(default=0)

    objects = ScopedManager()
    scope_paths = {"area": "area_id", "village": "village_id", "grid": "grid_id"}
    scope_department_path = "department_id"

    class Meta:
        indexes = [
            models.Index(fields=["day", "village", "department"], name="cases_stat_day_vd_idx"),
            models.Index(fields=["day", "area"], name="cases_stat_day_area_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "grid", "department", "big_category", "channel", "inspector"],
                name="%(app_label)s_%(class)s_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self):
        return f"{self.day} {self.grid_id}/{self.department_id}"
