"""Applications (办件) for service items, their materials, steps and messages, and their daily figures.

- ``Application``: one application, made under one published version of an item's guide with the
  situations the applicant chose, so its materials list is exact. It carries its department (the
  item's competent department when it was submitted) and, when it was made at a village centre, its
  area and village: every scope check is an equality on the row. Its clock is a few columns (see
  ``applications/clock.py``): the phase being counted, since when, the working minutes used and
  allowed, and the deadlines they give.
- ``ApplicationMaterial``: each material the guide asks in the chosen situations, with the clerk's
  finding (in order, missing, defective) or the data brain's record that made it unnecessary.
- ``ApplicationEvent``: every step, never changed or deleted: the case-style timeline.
- ``ApplicantMessage``: what the applicant was told and when (the outbox of an SMS gateway).
- ``ApplicationDailyStat``: per day and item, the figures of the dashboard and the screen.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cityops.core.scoping import ScopedQuerySet
from cityops.egov.choices import ApplicantKind, Channel, Check, ClockPhase, Status
from cityops.egov.models.catalogue import ItemVersion, Material, ServiceItem, Situation
from cityops.geo.models import Area, Village
from cityops.org.models import Department


class ApplicationCounter(models.Model):
    """The last tracking number given out in a year; locked while a number is taken."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


class ApplicationQuerySet(ScopedQuerySet):
    def restrict(self, user, action: str):
        """As every scoped model, and a window clerk bound to departments (a department's own window)
        sees only their applications; a clerk with none serves every department (综合窗口)."""
        qs = super().restrict(user, action)
        if getattr(user, "role", "") == "window_clerk" and user.department_ids():
            qs = qs.filter(department_id__in=user.department_ids())
        return qs


class ApplicationManager(models.Manager.from_queryset(ApplicationQuerySet)):
    pass


class Application(models.Model):
    number = models.CharField(_("tracking number"), max_length=20, unique=True, null=True, blank=True)
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="applications")
    version = models.ForeignKey(ItemVersion, on_delete=models.PROTECT, related_name="applications")
    situations = models.ManyToManyField(Situation, blank=True, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="applications")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.DRAFT)
    revision = models.PositiveIntegerField(default=1, help_text=_("rises with every change"))
    submission_key = models.CharField(max_length=40, unique=True, null=True, blank=True)

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_applications",
        help_text=_("the resident who applies online"),
    )
    created_by = models.CharField(_("entered by"), max_length=150)
    applicant_kind = models.CharField(_("applicant"), max_length=12, choices=ApplicantKind.choices)
    applicant_name = models.CharField(_("applicant's name"), max_length=100)
    id_number = models.CharField(_("ID number or credit code"), max_length=18)
    phone = models.CharField(_("mobile phone"), max_length=11)
    note = models.TextField(_("applicant's note"), blank=True)
    delivery = models.CharField(_("delivery of the result"), max_length=12, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("the clerk who took it"),
    )

    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    supplement_requested_at = models.DateTimeField(null=True, blank=True)
    supplement_supplied_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    deemed_accepted = models.BooleanField(default=False)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text=_("not accepted or withdrawn"))

    decision = models.CharField(max_length=8, blank=True)  # approved, denied
    reason_code = models.CharField(max_length=16, blank=True)
    reason = models.TextField(blank=True)
    fee_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    fee_reference = models.CharField(max_length=60, blank=True)
    extension_requested = models.PositiveSmallIntegerField(null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(default=0)
    special_kind = models.CharField(max_length=12, blank=True)
    held_from = models.CharField(
        max_length=14, blank=True, help_text=_("the status a special procedure resumes")
    )

    clock_phase = models.CharField(max_length=8, choices=ClockPhase.choices, default=ClockPhase.NONE)
    clock_started_at = models.DateTimeField(
        null=True, blank=True, help_text=_("running since; empty: stopped")
    )
    clock_used = models.PositiveIntegerField(default=0, help_text=_("working minutes used before"))
    clock_budget = models.PositiveIntegerField(default=0, help_text=_("working minutes allowed"))
    legal_budget = models.PositiveIntegerField(null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    legal_due_at = models.DateTimeField(_("legal limit"), null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    escalation = models.PositiveSmallIntegerField(
        default=0, help_text=_("0 none, 1 overdue, 2 past the legal limit")
    )
    worked_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("working minutes from receipt to decision, pauses left out")
    )
    on_time = models.BooleanField(null=True, blank=True)

    objects = ApplicationManager()
    scope_paths = {"area": "area_id", "village": "village_id"}
    scope_department_path = "department_id"

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(number__isnull=False, received_at__isnull=False),
                name="%(app_label)s_%(class)s_submitted_numbered",
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="%(app_label)s_%(class)s_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["department", "status", "due_at"], name="egov_app_dept_queue"),
            models.Index(fields=["status", "due_at"], name="egov_app_queue"),
            models.Index(fields=["village", "status", "due_at"], name="egov_app_village_queue"),
            models.Index(fields=["owner", "created_at"], name="egov_app_owner"),
            models.Index(fields=["assignee", "status"], name="egov_app_assignee"),
            models.Index(fields=["received_at"], name="egov_app_received"),
            models.Index(fields=["clock_phase", "due_at"], name="egov_app_clock"),
        ]

    def __str__(self):
        return self.number or f"draft {self.pk}"

    @property
    def running(self) -> bool:
        return self.clock_started_at is not None


class ApplicationMaterial(models.Model):
    """A material the application needs, and what the clerk found."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="materials")
    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(_("material"), max_length=200)
    required = models.BooleanField(default=True)
    situation = models.CharField(max_length=200, blank=True)
    finding = models.CharField(_("finding"), max_length=10, choices=Check.choices, default=Check.PENDING)
    note = models.CharField(_("note"), max_length=300, blank=True)
    checked_by = models.CharField(max_length=150, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    requested = models.BooleanField(default=False, help_text=_("listed in the request for supplement"))

    class Meta:
        ordering = ["application", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "position"], name="%(app_label)s_%(class)s_position_unique"
            ),
        ]

    def __str__(self):
        return self.name


class ApplicationEvent(models.Model):
    """One step of an application: who did what, when and why. Never changed, never deleted."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=24)
    from_status = models.CharField(max_length=14, blank=True)
    to_status = models.CharField(max_length=14, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["application", "at"], name="egov_event_app_at")]

    def __str__(self):
        return f"{self.application_id} {self.action}"


class ApplicantMessage(models.Model):
    """A message to the applicant's phone: a fixed text per step, never a clerk's own words."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=24)
    text = models.CharField(max_length=300)
    at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["sent_at", "at"], name="egov_message_outbox")]

    def __str__(self):
        return f"{self.application_id} {self.kind}"


class ApplicationDailyStat(models.Model):
    """One day's figures of one item at one place (a village centre, or the town's: no village), the
    day in the town's time zone; rebuilt from the applications (``applications/rollup.py``)."""

    day = models.DateField()
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    received = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    not_accepted = models.PositiveIntegerField(default=0)
    approved = models.PositiveIntegerField(default=0)
    denied = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0, help_text=_("decided within the promised limit"))
    worked_minutes = models.BigIntegerField(default=0, help_text=_("of the decisions of the day"))
    withdrawn = models.PositiveIntegerField(default=0)

    objects = ApplicationManager()
    scope_paths = {"area": "area_id", "village": "village_id"}
    scope_department_path = "department_id"

    class Meta:
        ordering = ["day", "item"]
        indexes = [
            models.Index(fields=["day", "department"], name="egov_stat_day_dept"),
            models.Index(fields=["village", "day"], name="egov_stat_village_day"),
        ]

    def __str__(self):
        return f"{self.day} {self.item_id}"
