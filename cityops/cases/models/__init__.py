"""Grid governance models, one module per concept."""

from cityops.cases.models.case import Attachment, Case, CaseCounter, CaseEvent, CaseReport
from cityops.cases.models.catalogue import ItemCategory, PatrolItem
from cityops.cases.models.notify import DepartmentWebhook, Notification, WebhookDelivery
from cityops.cases.models.open311 import Open311Client
from cityops.cases.models.patrol import PatrolCoverage, PatrolPlan, PatrolSession, PatrolTrackChunk
from cityops.cases.models.stats import CaseDailyStat

__all__ = [
    "Attachment",
    "Case",
    "CaseCounter",
    "CaseDailyStat",
    "CaseEvent",
    "CaseReport",
    "DepartmentWebhook",
    "ItemCategory",
    "Notification",
    "Open311Client",
    "PatrolCoverage",
    "PatrolItem",
    "PatrolPlan",
    "PatrolSession",
    "PatrolTrackChunk",
    "WebhookDelivery",
]
