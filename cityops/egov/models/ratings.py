"""好差评: the rating of each concluded application and the follow-up of a bad one.

- ``Rating``: one per application (一事一评), opened when the application is concluded (办结: completed,
  denied or not accepted). It waits for the applicant (online or at a kiosk, by tracking number and
  phone) or for the clerk to enter the window rating device's result; when the period passes with
  none, it is rated by default (``RatingSource.DEFAULT``), and counted apart. It carries the
  application's department, place and clerk (the window), so every figure and scope check is an
  equality on the row.
- ``FollowUp``: the work order of a bad rating (不满意 / 非常不满意): contact the applicant within N
  working days, put it right within M, the applicant re-rates; or an appeal against a false or
  malicious rating, decided by the service centre's supervisor.
- ``AppealEvidence``: the photos an appeal brings (a screenshot of the queue system, a signed note …).

Every step of either is a row of the application's timeline (``ApplicationEvent``, actions
``rating.*``) and an audit record.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cityops.egov.choices import (
    AppealDecision,
    Channel,
    ContactMethod,
    Disposition,
    FollowUpOutcome,
    FollowUpState,
    RatingLevel,
    RatingSource,
    RatingState,
)
from cityops.egov.models.applications import Application, ApplicationManager
from cityops.egov.models.catalogue import ServiceItem
from cityops.geo.models import Area, Village
from cityops.org.models import Department


def _user_fk(help_text: str = ""):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=help_text,
    )


class Rating(models.Model):
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="rating")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    clerk = _user_fk(_("the clerk who handled the application: the window rated"))
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    concluded_at = models.DateTimeField(_("concluded"))

    state = models.CharField(
        _("state"), max_length=10, choices=RatingState.choices, default=RatingState.INVITED
    )
    due_at = models.DateTimeField(_("rated by default after"))
    remind_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    level = models.PositiveSmallIntegerField(_("rating"), choices=RatingLevel.choices, null=True, blank=True)
    first_level = models.PositiveSmallIntegerField(
        choices=RatingLevel.choices, null=True, blank=True, help_text=_("the level first given")
    )
    source = models.CharField(_("rated"), max_length=8, choices=RatingSource.choices, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    recorded_by = _user_fk(_("the clerk who entered a window rating device's result"))
    problems = models.JSONField(default=list, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    rerated_at = models.DateTimeField(null=True, blank=True)
    excluded = models.BooleanField(default=False, help_text=_("an appeal against it was upheld"))
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()

    objects = ApplicationManager()
    scope_paths = {"area": "area_id", "village": "village_id"}
    scope_department_path = "department_id"

    class Meta:
        ordering = ["-concluded_at", "-id"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.CheckConstraint(
                condition=Q(level__isnull=True) | Q(level__gte=1, level__lte=5),
                name="%(app_label)s_%(class)s_level_range",
            ),
            models.CheckConstraint(
                condition=(
                    Q(state="invited", level__isnull=True, source="")
                    | Q(state="rated", level__isnull=False, rated_at__isnull=False)
                    & ~Q(source__in=["", "default"])
                    | Q(state="defaulted", level__isnull=False, source="default")
                ),
                name="%(app_label)s_%(class)s_state_level",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "due_at"], name="egov_rating_due"),
            models.Index(fields=["state", "remind_at"], name="egov_rating_remind"),
            models.Index(fields=["concluded_at"], name="egov_rating_concluded"),
            models.Index(fields=["department", "concluded_at"], name="egov_rating_dept"),
            models.Index(fields=["clerk", "concluded_at"], name="egov_rating_clerk"),
            models.Index(fields=["village", "concluded_at"], name="egov_rating_village"),
        ]

    def __str__(self):
        return f"{self.application.number} {self.get_state_display()}"

    @property
    def bad(self) -> bool:
        return self.level is not None and RatingLevel(self.level).bad


class FollowUp(models.Model):
    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="follow_up")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    state = models.CharField(
        _("state"), max_length=10, choices=FollowUpState.choices, default=FollowUpState.OPEN
    )
    opened_at = models.DateTimeField(_("opened"))
    contact_due_at = models.DateTimeField(_("contact due"))
    rectify_due_at = models.DateTimeField(_("rectification due"))
    escalation = models.PositiveSmallIntegerField(
        default=0, help_text=_("0 none, 1 contact overdue, 2 rectification overdue")
    )

    contacted_at = models.DateTimeField(_("contacted"), null=True, blank=True)
    contacted_by = _user_fk()
    contact_method = models.CharField(max_length=8, choices=ContactMethod.choices, blank=True)
    contact_note = models.TextField(blank=True)

    rectified_at = models.DateTimeField(_("rectified"), null=True, blank=True)
    rectified_by = _user_fk()
    disposition = models.CharField(max_length=10, choices=Disposition.choices, blank=True)
    rectify_note = models.TextField(blank=True)
    rerate_due_at = models.DateTimeField(null=True, blank=True)

    appealed_at = models.DateTimeField(null=True, blank=True)
    appealed_by = _user_fk()
    appeal_reason = models.TextField(blank=True)
    appeal_from = models.CharField(max_length=10, blank=True, help_text=_("the state an appeal returns to"))
    appeal_decision = models.CharField(max_length=8, choices=AppealDecision.choices, blank=True)
    appeal_decided_at = models.DateTimeField(null=True, blank=True)
    appeal_decided_by = _user_fk()
    appeal_note = models.TextField(blank=True)

    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=14, choices=FollowUpOutcome.choices, blank=True)
    revision = models.PositiveIntegerField(default=1)

    objects = ApplicationManager()
    scope_paths = {"area": "area_id", "village": "village_id"}
    scope_department_path = "department_id"

    class Meta:
        ordering = ["contact_due_at", "id"]
        verbose_name = _("follow-up of a bad rating")
        verbose_name_plural = _("follow-ups of bad ratings")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=FollowUpState.values), name="%(app_label)s_%(class)s_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state="closed", closed_at__isnull=False, outcome__gt="")
                | ~Q(state="closed") & Q(closed_at__isnull=True, outcome=""),
                name="%(app_label)s_%(class)s_closed_outcome",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "contact_due_at"], name="egov_followup_contact"),
            models.Index(fields=["state", "rectify_due_at"], name="egov_followup_rectify"),
            models.Index(fields=["department", "state"], name="egov_followup_dept"),
        ]

    def __str__(self):
        return f"{self.rating.application.number} {self.get_state_display()}"


class AppealEvidence(models.Model):
    """A photo brought with an appeal; served only through a page that checks the follow-up's scope."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.PROTECT, related_name="evidence")
    name = models.CharField(max_length=200)
    file = models.FileField(upload_to="egov/appeals/%Y/%m/")
    content_type = models.CharField(max_length=20)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = _user_fk()
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return self.name
