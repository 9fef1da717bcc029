"""The government services' tables: the item catalogue (``catalogue``) and the applications made
for its items (``applications``) and their ratings (``ratings``: 好差评)."""

from cityops.egov.models.applications import (
    ApplicantMessage,
    Application,
    ApplicationCounter,
    ApplicationDailyStat,
    ApplicationEvent,
    ApplicationMaterial,
)
from cityops.egov.models.catalogue import ItemVersion, Material, ServiceItem, Situation
from cityops.egov.models.ratings import AppealEvidence, FollowUp, Rating

__all__ = [
    "AppealEvidence",
    "ApplicantMessage",
    "Application",
    "ApplicationCounter",
    "ApplicationDailyStat",
    "ApplicationEvent",
    "ApplicationMaterial",
    "FollowUp",
    "ItemVersion",
    "Material",
    "Rating",
    "ServiceItem",
    "Situation",
]
