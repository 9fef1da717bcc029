"""The town's organisation: departments and the 1 + 6 + 23 command hierarchy."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cityops.core.models import TimeStampedModel
from cityops.core.scoping import ScopedManager
from cityops.geo.models import Area, Village
from cityops.org.choices import WorkstationLevel


class Department(TimeStampedModel):
    """A department: patrol items in the grid (入格), government services, or both."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    in_grid = models.BooleanField(_("patrol items in the grid"), default=False)
    gives_services = models.BooleanField(_("gives government services"), default=False)
    phone = models.CharField(_("duty phone"), max_length=30, blank=True)

    objects = ScopedManager()
    scope_paths: dict = {}

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self):
        return self.name


class Workstation(TimeStampedModel):
    """The town command centre, an area workstation or a village workstation."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=WorkstationLevel.choices)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="workstations"
    )
    village = models.OneToOneField(
        Village, on_delete=models.PROTECT, null=True, blank=True, related_name="workstation"
    )
    phone = models.CharField(_("duty phone"), max_length=30, blank=True)

    objects = ScopedManager()
    scope_paths = {"area": "area_id", "village": "village_id"}
    scope_null_is_ancestor = True

    class Meta:
        ordering = ["level", "code"]
        verbose_name = _("workstation")
        verbose_name_plural = _("workstations")
        constraints = [
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_level_units",
                condition=(
                    Q(level="town", area__isnull=True, village__isnull=True)
                    | Q(level="area", area__isnull=False, village__isnull=True)
                    | Q(level="village", area__isnull=False, village__isnull=False)
                ),
            ),
            models.UniqueConstraint(
                fields=["area"], condition=Q(level="area"), name="%(app_label)s_%(class)s_one_per_area"
            ),
            models.UniqueConstraint(
                fields=["level"], condition=Q(level="town"), name="%(app_label)s_%(class)s_one_town"
            ),
        ]

    def __str__(self):
        return self.name
