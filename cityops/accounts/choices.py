"""Enums of the access reviews, each with the colour the pages show it in."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ReviewKind(models.TextChoices):
    QUARTERLY = "quarterly", _("Quarterly")
    ON_DEMAND = "on_demand", _("On demand")


class ReviewStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("access review", "Open")
    SIGNED = "signed", _("Signed")

    @property
    def colour(self) -> str:
        return {"open": "#ad4e00", "signed": "#237804"}[self.value]


class ItemKind(models.TextChoices):
    """What an item of a review is about, in the order the review page lists them."""

    DORMANT = "dormant", _("Dormant account")
    PRIVILEGED = "privileged", _("Privileged role")
    TOKEN = "token", _("API token")
    KEY = "key", _("Data-brain consumer key")
    LEAVER = "leaver", _("Leaver still holding access")

    @property
    def colour(self) -> str:
        return {
            "dormant": "#876800",
            "privileged": "#531dab",
            "token": "#1d39c4",
            "key": "#006d75",
            "leaver": "#a8071a",
        }[self.value]


class Decision(models.TextChoices):
    PENDING = "pending", _("To decide")
    KEPT = "kept", _("Kept")
    REVOKED = "revoked", _("Revoked")
    DISABLED = "disabled", _("Disabled")
    RESOLVED = "resolved", _("Signed in again")

    @property
    def colour(self) -> str:
        return {
            "pending": "#ad4e00",
            "kept": "#237804",
            "revoked": "#cf1322",
            "disabled": "#cf1322",
            "resolved": "#237804",
        }[self.value]


# What a reviewer may decide for each kind of item (the sweeper alone marks a dormant one resolved).
DECISIONS = {
    ItemKind.DORMANT: (Decision.KEPT, Decision.DISABLED),
    ItemKind.PRIVILEGED: (Decision.KEPT, Decision.REVOKED),
    ItemKind.TOKEN: (Decision.KEPT, Decision.REVOKED),
    ItemKind.KEY: (Decision.KEPT, Decision.REVOKED),
    ItemKind.LEAVER: (Decision.KEPT, Decision.REVOKED),
}
