"""Enums of the government services, each value with its label and, where a page shows it as a
badge, its colour (text colours dark enough for 4.5:1 on white)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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


# ---- applications (办件) ---------------------------------------------------------------------------


class Channel(models.TextChoices):
    """Where an application was made."""

    ONLINE = "online", pgettext_lazy("application channel", "Online")
    WINDOW = "window", pgettext_lazy("application channel", "At a window")
    KIOSK = "kiosk", pgettext_lazy("application channel", "At a kiosk")

    @property
    def colour(self) -> str:
        return {"online": "#1d39c4", "window": "#006d75", "kiosk": "#531dab"}[self.value]


class Status(models.TextChoices):
    """Where an application stands (the states of the 一窗通办 vouchers, DB4406/T 14-2021)."""

    DRAFT = "draft", pgettext_lazy("application status", "Draft")
    RECEIVED = "received", pgettext_lazy("application status", "Received")
    SUPPLEMENT = "supplement", pgettext_lazy("application status", "Awaiting supplementary materials")
    ACCEPTED = "accepted", pgettext_lazy("application status", "Accepted")
    NOT_ACCEPTED = "not_accepted", pgettext_lazy("application status", "Not accepted")
    UNDER_REVIEW = "under_review", pgettext_lazy("application status", "Under review")
    SPECIAL = "special", pgettext_lazy("application status", "Special procedure")
    EXTENDED = "extended", pgettext_lazy("application status", "Under review, time limit extended")
    AWAITING_FEE = "awaiting_fee", pgettext_lazy("application status", "Approved, awaiting the fee")
    COMPLETED = "completed", pgettext_lazy("application status", "Completed")
    DENIED = "denied", pgettext_lazy("application status", "Denied")
    DELIVERED = "delivered", pgettext_lazy("application status", "Result delivered")
    WITHDRAWN = "withdrawn", pgettext_lazy("application status", "Withdrawn")

    @property
    def colour(self) -> str:
        return STATUS_COLOURS[self.value]


STATUS_COLOURS = {
    "draft": "#595959",
    "received": "#1d39c4",
    "supplement": "#ad4e00",
    "accepted": "#006d75",
    "not_accepted": "#a8071a",
    "under_review": "#0958d9",
    "special": "#614700",
    "extended": "#874d00",
    "awaiting_fee": "#531dab",
    "completed": "#237804",
    "denied": "#a8071a",
    "delivered": "#135200",
    "withdrawn": "#595959",
}
# Before a decision: the applicant may still withdraw, the clerk still has work to do.
OPEN_STATUSES = frozenset(
    {
        Status.RECEIVED,
        Status.SUPPLEMENT,
        Status.ACCEPTED,
        Status.UNDER_REVIEW,
        Status.SPECIAL,
        Status.EXTENDED,
    }
)
# Decided, with something left to do (a fee to pay, a result to deliver).
DECIDED_STATUSES = frozenset({Status.AWAITING_FEE, Status.COMPLETED, Status.DENIED})
# Nothing more happens.
FINAL_STATUSES = frozenset({Status.NOT_ACCEPTED, Status.DELIVERED, Status.WITHDRAWN})
# 办结: concluded by a decision, or refused at intake; what a rating follows.
CONCLUDED_STATUSES = frozenset({Status.COMPLETED, Status.DENIED, Status.NOT_ACCEPTED})


class ClockPhase(models.TextChoices):
    """Which time limit an application's clock is counting."""

    NONE = "none", _("No time limit running")
    INTAKE = "intake", _("Intake: telling the applicant what is missing, or accepting")
    DECISION = "decision", _("Decision within the promised limit")
    DELIVERY = "delivery", _("Delivering the result")


class Check(models.TextChoices):
    """A clerk's finding on one material."""

    PENDING = "pending", _("Not checked")
    OK = "ok", _("In order")
    MISSING = "missing", _("Missing")
    DEFECTIVE = "defective", _("Defective")
    FETCHED = "fetched", _("Fetched by the platform")

    @property
    def colour(self) -> str:
        return {
            "pending": "#595959",
            "ok": "#237804",
            "missing": "#a8071a",
            "defective": "#ad4e00",
            "fetched": "#1d39c4",
        }[self.value]


class Reason(models.TextChoices):
    """The public reason of a refusal (not accepted, or denied); the clerk's own words go with it."""

    NOT_COMPETENT = "not_competent", _("Not within this department's competence")
    NOT_ELIGIBLE = "not_eligible", _("The applicant does not meet the conditions")
    MATERIALS = "materials", _("The materials are incomplete or not in the legal form after supplement")
    NOT_REQUIRED = "not_required", _("No licence or approval is needed for this")
    LAW = "law", _("Not permitted by law or regulation")
    OTHER = "other", _("Other reason, given in the written notice")


class SpecialKind(models.TextChoices):
    """特别程序 that the law leaves out of the time limit (行政许可法 Art. 45)."""

    HEARING = "hearing", _("Hearing")
    TENDER = "tender", _("Tender or auction")
    INSPECTION = "inspection", _("Inspection, testing or quarantine")
    APPRAISAL = "appraisal", _("Technical appraisal")
    EXPERTS = "experts", _("Expert review")
    SITE = "site", _("On-site verification")


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("Natural person")
    ORGANISATION = "organisation", _("Legal person or organisation")
