"""Enums of the audit trail's pages, each with the colour the pages show it in."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VerificationStatus(models.TextChoices):
    """Where one run of the chain's verification is: waiting for a worker, walking, and its outcome."""

    QUEUED = "queued", _("Waiting for a worker")
    RUNNING = "running", _("Verifying")
    INTACT = "intact", _("Intact")
    BROKEN = "broken", _("Broken")
    FAILED = "failed", _("Could not finish")

    @property
    def colour(self) -> str:
        return {
            "queued": "#595959",
            "running": "#1d39c4",
            "intact": "#237804",
            "broken": "#cf1322",
            "failed": "#ad4e00",
        }[self.value]

    @property
    def done(self) -> bool:
        return self in (VerificationStatus.INTACT, VerificationStatus.BROKEN, VerificationStatus.FAILED)
