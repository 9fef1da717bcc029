from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    TOWN = "town", _("Town")
    AREA = "area", _("Area")
    VILLAGE = "village", _("Village")
    GRID = "grid", _("Grid")


class PlaceKind(models.TextChoices):
    SCHOOL = "school", _("School")
    CANTEEN = "canteen", _("Canteen")
    SERVICE_CENTRE = "service_centre", _("Service centre")
    LIBRARY = "library", _("Library")
    SHELTER = "shelter", _("Shelter")
    MARKET = "market", _("Market")
    DORMITORY = "dormitory", _("Dormitory")
    OTHER = "other", _("Other")

    @property
    def colour(self) -> str:
        return PLACE_COLOURS[self.value]


PLACE_COLOURS = {
    "school": "#1677ff",
    "canteen": "#fa8c16",
    "service_centre": "#52c41a",
    "library": "#722ed1",
    "shelter": "#eb2f96",
    "market": "#13c2c2",
    "dormitory": "#8c8c8c",
    "other": "#595959",
}
