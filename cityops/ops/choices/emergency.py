"""Enums of emergency command, each with the colour pages and the screen show it in.

Every colour is a text colour dark enough for 4.5:1 on its 10 % tint (tests/core/test_contrast.py).
The four levels keep the national warning colours: red, orange, yellow, blue for I to IV.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentKind(models.TextChoices):
    TYPHOON = "typhoon", _("Typhoon")
    FLOOD = "flood", _("Flood or waterlogging")
    FIRE = "fire", _("Fire")
    HAZMAT = "hazmat", _("Hazardous chemicals")
    PUBLIC_HEALTH = "public_health", _("Public health")
    GEOLOGICAL = "geological", _("Geological hazard")
    ACCIDENT = "accident", _("Work-safety accident")
    OTHER = "other", _("Other emergency")


class Level(models.TextChoices):
    """Incident level: I is the gravest (特别重大), IV the least (一般)."""

    I = "1", _("Level I · especially grave")  # noqa: E741 — the level's official name
    II = "2", _("Level II · grave")
    III = "3", _("Level III · major")
    IV = "4", _("Level IV · ordinary")

    @property
    def colour(self) -> str:
        return LEVEL_COLOURS[self.value]

    @property
    def numeral(self) -> str:
        return {"1": "I", "2": "II", "3": "III", "4": "IV"}[self.value]


LEVEL_COLOURS = {"1": "#cf1322", "2": "#ad4e00", "3": "#7c5e00", "4": "#0050b3"}


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")

    @property
    def colour(self) -> str:
        return {"open": "#cf1322", "closed": "#595959"}[self.value]


class TaskStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    ACCEPTED = "accepted", _("Taken on")
    DONE = "done", _("Done")
    BLOCKED = "blocked", _("Blocked")

    @property
    def colour(self) -> str:
        return {"assigned": "#0050b3", "accepted": "#7c5e00", "done": "#237804", "blocked": "#cf1322"}[
            self.value
        ]


class EntryKind(models.TextChoices):
    """What a timeline entry records."""

    RAISED = "raised", _("Raised")
    LEVEL = "level", _("Level changed")
    PLAN = "plan", _("Plan activated")
    TASK = "task", _("Task")
    RESOURCE = "resource", _("Resource")
    NOTE = "note", _("Note")
    CLOSED = "closed", _("Closed")

    @property
    def colour(self) -> str:
        return {
            "raised": "#cf1322",
            "level": "#ad4e00",
            "plan": "#0050b3",
            "task": "#531dab",
            "resource": "#006d75",
            "note": "#595959",
            "closed": "#237804",
        }[self.value]


class ResourceKind(models.TextChoices):
    TEAM = "team", _("Rescue team")
    VEHICLE = "vehicle", _("Vehicle")
    SHELTER = "shelter", _("Shelter")
    SUPPLIES = "supplies", _("Supplies")


class ResourceState(models.TextChoices):
    AVAILABLE = "available", _("Available")
    DEPLOYED = "deployed", _("Deployed")
    OUT_OF_SERVICE = "out_of_service", _("Out of service")

    @property
    def colour(self) -> str:
        return {"available": "#237804", "deployed": "#0050b3", "out_of_service": "#595959"}[self.value]
