"""The government services' tables: the item catalogue (``catalogue``) and the applications made
for its items (``applications``)."""

from cityops.egov.models.applications import (
    ApplicantMessage,
    Application,
    ApplicationCounter,
    ApplicationDailyStat,
    ApplicationEvent,
    ApplicationMaterial,
)
from cityops.egov.models.catalogue import ItemVersion, Material, ServiceItem, Situation

__all__ = [
    "ApplicantMessage",
    "Application",
    "ApplicationCounter",
    "ApplicationDailyStat",
    "ApplicationEvent",
    "ApplicationMaterial",
    "ItemVersion",
    "Material",
    "ServiceItem",
    "Situation",
]
