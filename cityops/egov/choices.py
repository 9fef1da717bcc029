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


# ---- 好差评: ratings of concluded applications and the follow-up of bad ones ---------------------------


class RatingLevel(models.IntegerChoices):
    """The five levels of 好差评 (GB/T 39734-2020); 不满意 and 非常不满意 are a bad rating (差评)."""

    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    BASIC = 3, _("Basically satisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")

    @property
    def colour(self) -> str:
        return RATING_COLOURS[self.value]

    @property
    def bad(self) -> bool:
        return self.value <= BAD_LEVEL


RATING_COLOURS = {5: "#237804", 4: "#3f6600", 3: "#876800", 2: "#ad4e00", 1: "#a8071a"}
BAD_LEVEL = 2  # this level and below: a bad rating, followed up
GOOD_LEVEL = 4  # this level and above: counted as satisfied


class RatingState(models.TextChoices):
    INVITED = "invited", _("Awaiting a rating")
    RATED = "rated", _("Rated")
    DEFAULTED = "defaulted", _("Rated by default")

    @property
    def colour(self) -> str:
        return {"invited": "#1d39c4", "rated": "#237804", "defaulted": "#595959"}[self.value]


class RatingSource(models.TextChoices):
    """Where a rating was given: the applicant online or at a kiosk, the rating device at a window, or
    none (the default after the period)."""

    ONLINE = "online", _("Online")
    KIOSK = "kiosk", _("At a kiosk")
    WINDOW = "window", _("Window rating device")
    DEFAULT = "default", _("By default")


class RatingProblem(models.TextChoices):
    """What went wrong, as a bad rating may say (差评评价内容)."""

    ATTITUDE = "attitude", _("Staff attitude")
    EFFICIENCY = "efficiency", _("Slow service or long waiting")
    GUIDE = "guide", _("The guide was inaccurate")
    VISITS = "visits", _("Had to come more than once")
    MATERIALS = "materials", _("Unreasonable materials asked")
    SYSTEM = "system", _("The system or device was hard to use")
    OTHER = "other", _("Something else")


class FollowUpState(models.TextChoices):
    """Where the follow-up of a bad rating stands: contact the applicant, put it right, re-rating."""

    OPEN = "open", _("To contact the applicant")
    CONTACTED = "contacted", _("Rectifying")
    RECTIFIED = "rectified", _("Awaiting re-rating")
    APPEALED = "appealed", _("Appeal under review")
    CLOSED = "closed", _("Closed")

    @property
    def colour(self) -> str:
        return {
            "open": "#a8071a",
            "contacted": "#ad4e00",
            "rectified": "#1d39c4",
            "appealed": "#531dab",
            "closed": "#595959",
        }[self.value]


class FollowUpOutcome(models.TextChoices):
    RERATED = "rerated", _("Re-rated by the applicant")
    NOT_RERATED = "not_rerated", _("Not re-rated within the period; the rating stands")
    APPEAL_UPHELD = "appeal_upheld", _("Appeal upheld; the rating is excluded")


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("By phone")
    VISIT = "visit", _("In person")
    MESSAGE = "message", _("By message")


class Disposition(models.TextChoices):
    """How a bad rating was answered: put right, or explained (the applicant asked for what the law
    does not allow, or the fault was not the service's)."""

    RECTIFIED = "rectified", _("Rectified")
    EXPLAINED = "explained", _("Explained to the applicant")


class AppealDecision(models.TextChoices):
    UPHELD = "upheld", _("Upheld: the rating is false or malicious")
    REFUSED = "refused", _("Refused: the rating stands")
