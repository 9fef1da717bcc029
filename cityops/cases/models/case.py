"""Cases with their reports, history and attachments."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityops.cases.choices import Channel, EscalationLevel, Status, Urgency
from cityops.cases.models.catalogue import ItemCategory, PatrolItem
from cityops.core.scoping import ScopedManager
from cityops.geo.models import Area, Grid, Village
from cityops.org.models import Department, Workstation


class CaseCounter(models.Model):
    """The last case number given out in a year; locked while a number is taken."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


class Case(models.Model):
    """One reported problem and where it stands in its lifecycle.

    It carries its area, village and grid (from its location) and its department, so that every
    scope check is an indexed equality on the row. ``version`` rises with every transition; a
    transition updates only the version it read, so of two simultaneous actions exactly one wins.
    """

    number = models.CharField(_("case number"), max_length=20, unique=True)
    item = models.ForeignKey(PatrolItem, on_delete=models.PROTECT, related_name="cases")
    category = models.ForeignKey(ItemCategory, on_delete=models.PROTECT, related_name="+")
    big_category = models.ForeignKey(ItemCategory, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REPORTED)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    description = models.TextField(_("description"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField()
    lat = models.FloatField()
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="cases")
    workstation = models.ForeignKey(
        Workstation,
        on_delete=models.PROTECT,
        related_name="cases",
        help_text=_("the workstation in charge now (rises on escalation)"),
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_cases",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        help_text=_("inspector to verify or re-check"),
    )
    version = models.PositiveIntegerField(default=1)
    reports = models.PositiveIntegerField(_("reports"), default=1)
    reported_at = models.DateTimeField(_("reported at"), db_index=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    disposed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("disposal deadline"), null=True, blank=True)
    step_deadline = models.DateTimeField(_("step deadline"), null=True, blank=True)
    step_warn_at = models.DateTimeField(null=True, blank=True)
    disposed_on_time = models.BooleanField(null=True, blank=True)
    closed_on_time = models.BooleanField(null=True, blank=True)
    rework_count = models.PositiveSmallIntegerField(default=0)
    return_count = models.PositiveSmallIntegerField(default=0)
    escalation = models.PositiveSmallIntegerField(
        choices=EscalationLevel.choices, default=EscalationLevel.VILLAGE
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    supervision = models.PositiveSmallIntegerField(
        _("supervision order"), default=0, help_text=_("0 none, 1 area, 2 town")
    )
    extension_requested = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("working days asked for, pending")
    )
    held_from = models.CharField(max_length=16, blank=True, help_text=_("the status a hold resumes to"))
    cancel_reason = models.CharField(max_length=200, blank=True)

    objects = ScopedManager()
    scope_paths = {"area": "area_id", "village": "village_id", "grid": "grid_id"}
    scope_department_path = "department_id"

    class Meta:
        ordering = ["-reported_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["village", "status", "step_deadline"], name="cases_case_village_queue_idx"),
            models.Index(fields=["area", "status", "step_deadline"], name="cases_case_area_queue_idx"),
            models.Index(fields=["department", "status", "step_deadline"], name="cases_case_dept_queue_idx"),
            models.Index(fields=["status", "step_deadline"], name="cases_case_queue_idx"),
            models.Index(fields=["grid", "status"], name="cases_case_grid_status_idx"),
            models.Index(fields=["item", "status", "reported_at"], name="cases_case_dup_idx"),
            models.Index(fields=["assignee", "status"], name="cases_case_assignee_idx"),
        ]

    def __str__(self):
        return self.number


class CaseReport(models.Model):
    """One report of a case: the first opened it, later ones within the duplicate radius joined it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="report_set")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    contact_name = models.CharField(max_length=50, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    email = models.CharField(max_length=120, blank=True)
    external_ref = models.CharField(
        _("external reference"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("hotline ticket, alarm id, Open311 client request …"),
    )
    token = models.CharField(max_length=32, unique=True)
    description = models.TextField(blank=True)
    lon = models.FloatField()
    lat = models.FloatField()
    attributes = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at"]

    def __str__(self):
        return f"{self.case_id}/{self.token}"


class CaseEvent(models.Model):
    """One step of a case's history: who did what, when and why. Never changed, never deleted."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(db_index=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="cases_event_case_at_idx")]

    def __str__(self):
        return f"{self.case_id} {self.action}"


class Attachment(models.Model):
    """A photo of a report or a step (JPEG, PNG or WebP), with its thumbnail and EXIF position."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    event = models.ForeignKey(
        CaseEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to="cases/%Y/%m/")
    thumbnail = models.FileField(upload_to="cases/%Y/%m/thumbs/")
    content_type = models.CharField(max_length=20)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    exif_lon = models.FloatField(null=True, blank=True)
    exif_lat = models.FloatField(null=True, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return self.file.name
