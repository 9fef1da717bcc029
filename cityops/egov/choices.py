"""Enums of the government services, each value with its label and, where a page shows it as a
badge, its colour (text colours dark enough for 4.5:1 on white)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemType(models.TextChoices):
    """事项类型: the seven kinds of administrative power applied for, and public services."""

    LICENSING = "licensing", _("Administrative licensing")
    CONFIRMATION = "confirmation", _("Administrative confirmation")
    ADJUDICATION = "adjudication", _("Administrative adjudication")
    BENEFIT = "benefit", _("Administrative benefit")
    AWARD = "award", _("Administrative award")
    FILING = "filing", _("Administrative filing")
    OTHER_POWER = "other_power", _("Other administrative power")
    PUBLIC_SERVICE = "public_service", _("Public service")

    @property
    def colour(self) -> str:
        return ITEM_TYPE_COLOURS[self.value]


ITEM_TYPE_COLOURS = {
    "licensing": "#1d39c4",
    "confirmation": "#006d75",
    "adjudication": "#531dab",
    "benefit": "#237804",
    "award": "#ad4e00",
    "filing": "#614700",
    "other_power": "#595959",
    "public_service": "#c41d7f",
}


class LimitKind(models.TextChoices):
    """办件类型: done on the spot, or promised within a number of working days."""

    IMMEDIATE = "immediate", _("Done on the spot")
    PROMISED = "promised", _("Promised within working days")


class VersionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")

    @property
    def colour(self) -> str:
        return {"draft": "#876800", "published": "#237804", "superseded": "#595959"}[self.value]


class Applicant(models.TextChoices):
    """服务对象."""

    PERSON = "person", _("Natural persons")
    ORGANISATION = "organisation", _("Legal persons and organisations")
    BOTH = "both", _("Persons and organisations")


class OnlineDepth(models.IntegerChoices):
    """网上办事深度, the common four-level reading."""

    GUIDE = 1, _("Level I: guide published online")
    FORMS = 2, _("Level II: forms and appointments online")
    PREVIEW = 3, _("Level III: accepted online, one visit")
    FULL = 4, _("Level IV: wholly online, no visit")


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", _("Original")
    COPY = "copy", _("Copy")
    ORIGINAL_AND_COPY = "original_and_copy", _("Original and copy")
    ELECTRONIC = "electronic", _("Electronic")


class MaterialSource(models.TextChoices):
    """Where a material comes from; an issued one may be fetched by the platform instead."""

    APPLICANT = "applicant", _("Prepared by the applicant")
    GOVERNMENT = "government", _("Issued by a government department")
    ELICENCE = "elicence", _("Electronic licence, need not be submitted")


class Delivery(models.TextChoices):
    """How a result reaches the applicant."""

    WINDOW = "window", _("Collected at the window")
    POST = "post", _("Sent by post")
    ELECTRONIC = "electronic", _("Electronic licence")
    NONE = "none", _("No document issued")
