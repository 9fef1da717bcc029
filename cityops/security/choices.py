"""Enums of network security, each value with its label and the colour pages show it in (text
colours dark enough for 4.5:1 on their 10 % tint, tests/core/test_contrast.py).

Labels that other apps already use with another meaning (an open case, a closed incident of
emergency command) carry the message context ``security`` so each is translated on its own.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ProtectionLevel(models.IntegerChoices):
    """等级保护级别 (GB/T 22240-2020): the harm a system's compromise would do, 1 the least."""

    FIRST = 1, _("Level 1 (等保一级)")
    SECOND = 2, _("Level 2 (等保二级)")
    THIRD = 3, _("Level 3 (等保三级)")
    FOURTH = 4, _("Level 4 (等保四级)")
    FIFTH = 5, _("Level 5 (等保五级)")

    @property
    def colour(self) -> str:
        return {1: "#595959", 2: "#0050b3", 3: "#7c5e00", 4: "#ad4e00", 5: "#a8071a"}[self.value]


class AssessmentResult(models.TextChoices):
    """The conclusion of a 等级测评 as the assessment reports since 2021 give it."""

    EXCELLENT = "excellent", _("Excellent (优)")
    GOOD = "good", _("Good (良)")
    FAIR = "fair", _("Fair (中)")
    POOR = "poor", _("Poor (差)")

    @property
    def colour(self) -> str:
        return {"excellent": "#237804", "good": "#0050b3", "fair": "#7c5e00", "poor": "#a8071a"}[self.value]


class Exposure(models.TextChoices):
    """The widest network a system can be reached from."""

    INTERNET = "internet", _("Internet")
    EXTRANET = "extranet", _("E-government extranet")
    INTRANET = "intranet", _("Internal network only")

    @property
    def colour(self) -> str:
        return {"internet": "#a8071a", "extranet": "#ad4e00", "intranet": "#237804"}[self.value]


class SystemStatus(models.TextChoices):
    BUILDING = "building", _("Being built")
    IN_SERVICE = "in_service", pgettext_lazy("security", "In service")
    RETIRED = "retired", pgettext_lazy("security", "Retired")

    @property
    def colour(self) -> str:
        return {"building": "#0050b3", "in_service": "#237804", "retired": "#595959"}[self.value]


class ContactRole(models.TextChoices):
    """Who a system's contact is to the town: who answers for it, who keeps it safe, who runs it."""

    RESPONSIBLE = "responsible", _("Responsible person")
    SECURITY = "security", _("Security contact")
    OPERATIONS = "operations", _("Operations contact")
    VENDOR = "vendor", _("Vendor contact")


class DueState(models.TextChoices):
    """Where a system stands against its next assessment."""

    OVERDUE = "overdue", _("Assessment overdue")
    DUE_SOON = "due_soon", _("Assessment due soon")
    CURRENT = "current", _("Assessment current")
    NOT_SET = "not_set", _("No assessment due")

    @property
    def colour(self) -> str:
        return {"overdue": "#a8071a", "due_soon": "#7c5e00", "current": "#237804", "not_set": "#595959"}[
            self.value
        ]


class AgentStatus(models.TextChoices):
    """The endpoint agent (终端安全管理/EDR) on a terminal, as its console reports it."""

    PROTECTED = "protected", _("Protected")
    OUTDATED = "outdated", _("Signatures out of date")
    DISABLED = "disabled", _("Agent disabled")
    MISSING = "missing", _("No agent installed")

    @property
    def colour(self) -> str:
        return {"protected": "#237804", "outdated": "#7c5e00", "disabled": "#a8071a", "missing": "#a8071a"}[
            self.value
        ]


class Grade(models.TextChoices):
    """网络安全事件级别: 特别重大 (Ⅰ) is the gravest, 一般 (Ⅳ) the least; the national warning colours."""

    ESPECIALLY_GRAVE = "especially_grave", _("Especially grave (特别重大)")
    GRAVE = "grave", _("Grave (重大)")
    MAJOR = "major", _("Major (较大)")
    ORDINARY = "ordinary", _("Ordinary (一般)")

    @property
    def colour(self) -> str:
        return GRADE_COLOURS[self.value]

    @property
    def numeral(self) -> str:
        return {"especially_grave": "Ⅰ", "grave": "Ⅱ", "major": "Ⅲ", "ordinary": "Ⅳ"}[self.value]


GRADE_COLOURS = {"especially_grave": "#cf1322", "grave": "#ad4e00", "major": "#7c5e00", "ordinary": "#0050b3"}


class IncidentStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("security", "Open")
    CLOSED = "closed", pgettext_lazy("security", "Closed")

    @property
    def colour(self) -> str:
        return {"open": "#cf1322", "closed": "#595959"}[self.value]


class StepKind(models.TextChoices):
    """The response steps, in the order they are done."""

    DETECT = "detect", _("Detect")
    REPORT = "report", pgettext_lazy("security", "Report")
    CONTAIN = "contain", _("Contain")
    ERADICATE = "eradicate", _("Eradicate")
    RECOVER = "recover", _("Recover")
    REVIEW = "review", _("Review")


STEP_ORDER = [s.value for s in StepKind]


class TimerKind(models.TextChoices):
    """The reports an incident owes: the first report upward, and the summary after the response."""

    INITIAL = "initial", _("First report")
    SUMMARY = "summary", _("Summary report")


class TimerState(models.TextChoices):
    RUNNING = "running", pgettext_lazy("security", "Running")
    WARNING = "warning", _("Running out")
    OVERDUE = "overdue", _("Overdue")
    MET = "met", _("Met")
    MET_LATE = "met_late", _("Met late")
    WAITING = "waiting", _("Not started")

    @property
    def colour(self) -> str:
        return {
            "running": "#0050b3",
            "warning": "#7c5e00",
            "overdue": "#a8071a",
            "met": "#237804",
            "met_late": "#ad4e00",
            "waiting": "#595959",
        }[self.value]


class EntryKind(models.TextChoices):
    """A line of an incident's timeline."""

    REGISTERED = "registered", pgettext_lazy("security", "Registered")
    GRADE = "grade", _("Grade changed")
    OWNER = "owner", _("Owner assigned")
    STEP = "step", _("Step done")
    SYSTEMS = "systems", _("Affected systems changed")
    NOTE = "note", _("Note")
    WARNED = "warned", _("Timer running out")
    OVERDUE = "overdue", _("Timer overdue")
    CLOSED = "closed", _("Incident closed")

    @property
    def colour(self) -> str:
        return {
            "registered": "#0050b3",
            "grade": "#ad4e00",
            "owner": "#595959",
            "step": "#237804",
            "systems": "#531dab",
            "note": "#595959",
            "warned": "#7c5e00",
            "overdue": "#a8071a",
            "closed": "#595959",
        }[self.value]
