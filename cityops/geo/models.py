"""Town → area → village → grid, each with its polygon, and point layers of places.

Geometry is stored as GeoJSON (WGS84, lon/lat) text with its bounding box and centroid in plain
columns; shapely does the geometry in Python, so the same schema works on SQLite and PostgreSQL
without spatial extensions. Every row carries the ids of its ancestors for one-filter scoping.
"""

import json

from django.db import models
from django.utils.translation import gettext_lazy as _

from cityops.core.models import TimeStampedModel
from cityops.core.scoping import ScopedManager
from cityops.geo.choices import PlaceKind


class Region(TimeStampedModel):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    geometry = models.TextField(_("geometry (GeoJSON)"))
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()
    centroid_lon = models.FloatField()
    centroid_lat = models.FloatField()
    area_m2 = models.FloatField(_("area (m²)"))

    objects = ScopedManager()

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def geojson(self) -> dict:
        return json.loads(self.geometry)


class Town(Region):
    scope_paths: dict = {}

    class Meta(Region.Meta):
        verbose_name = _("town")
        verbose_name_plural = _("towns")


class Area(Region):
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="areas")

    scope_paths = {"area": "id"}

    class Meta(Region.Meta):
        verbose_name = _("area")
        verbose_name_plural = _("areas")


class Village(Region):
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="villages")
    is_community = models.BooleanField(_("urban community"), default=False)

    scope_paths = {"area": "area_id", "village": "id"}

    class Meta(Region.Meta):
        verbose_name = _("village")
        verbose_name_plural = _("villages")


class Grid(Region):
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="grids")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="grids")

    scope_paths = {"area": "area_id", "village": "village_id", "grid": "id"}

    class Meta(Region.Meta):
        verbose_name = _("grid")
        verbose_name_plural = _("grids")


class Place(TimeStampedModel):
    """A point of interest (school, canteen, service centre …), located to its grid."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=32, choices=PlaceKind.choices, db_index=True)
    lon = models.FloatField()
    lat = models.FloatField()
    address = models.CharField(_("address"), max_length=200, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text=_("e.g. the school a canteen belongs to"),
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="places")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="places")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="places")

    objects = ScopedManager()
    scope_paths = {"area": "area_id", "village": "village_id", "grid": "grid_id"}

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("place")
        verbose_name_plural = _("places")

    def __str__(self):
        return self.name


class GeoVersion(models.Model):
    """A counter bumped by every geography write, so each process knows when to rebuild its index."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="%(app_label)s_%(class)s_single")
        ]

    def __str__(self):
        return f"GeoVersion {self.pk}"
