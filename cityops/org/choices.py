from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkstationLevel(models.TextChoices):
    TOWN = "town", _("Command centre")
    AREA = "area", _("Area workstation")
    VILLAGE = "village", _("Village workstation")
