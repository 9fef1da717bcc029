"""Grid governance: the patrol item catalogue, cases with their reports, history and attachments."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cityops.cases.choices import Channel, EscalationLevel, ItemKind, LimitUnit, Status, Urgency
from cityops.core.models import TimeStampedModel
from cityops.core.scoping import ScopedManager
from cityops.geo.models import Area, Grid, Village
from cityops.org.models import Department, Workstation


class ItemCategory(models.Model):
    """A big (大类) or small (小类) category of components or events, as in GB/T 30428.2."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=ItemKind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("item category")
        verbose_name_plural = _("item categories")

    def __str__(self):
        return self.name


class PatrolItem(TimeStampedModel):
    """One kind of problem an inspector looks for (巡查事项), with its routing and time limits."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=ItemKind.choices)
    category = models.ForeignKey(
        ItemCategory, on_delete=models.PROTECT, related_name="items", verbose_name=_("small category")
    )
    big_category = models.ForeignKey(
        ItemCategory, on_delete=models.PROTECT, related_name="+", verbose_name=_("big category")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="patrol_items",
        verbose_name=_("responsible department"),
    )
    filing_condition = models.TextField(_("filing condition"), blank=True)
    closing_condition = models.TextField(_("closing condition"), blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    resident_reportable = models.BooleanField(_("residents may report"), default=True)
    on_the_spot = models.BooleanField(_("may be disposed on the spot"), default=False)
    dispatch_limit = models.PositiveIntegerField(_("dispatch time limit"))
    dispatch_unit = models.CharField(max_length=8, choices=LimitUnit.choices, default=LimitUnit.HOURS)
    disposal_limit = models.PositiveIntegerField(_("disposal time limit"))
    disposal_unit = models.CharField(max_length=8, choices=LimitUnit.choices, default=LimitUnit.DAYS)
    recheck_limit = models.PositiveIntegerField(_("re-check time limit"))
    recheck_unit = models.CharField(max_length=8, choices=LimitUnit.choices, default=LimitUnit.HOURS)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("patrol item")
        verbose_name_plural = _("patrol items")
        constraints = [
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_limits_positive",
                condition=Q(dispatch_limit__gt=0, disposal_limit__gt=0, recheck_limit__gt=0),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


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


class Notification(models.Model):
    """An entry in a user's in-app inbox."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=32)
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="cases_notification_inbox_idx")]

    def __str__(self):
        return self.text


class DepartmentWebhook(models.Model):
    """Where a department wants its case events POSTed, signed with HMAC-SHA256 of its secret."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=300)
    secret = models.CharField(max_length=64)
    active = models.BooleanField(default=True)

    def __str__(self):
        return self.url


class WebhookDelivery(models.Model):
    """One event to POST to one webhook: an outbox row a worker claims, sends and retries."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    webhook = models.ForeignKey(DepartmentWebhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(CaseEvent, on_delete=models.CASCADE, related_name="+")
    payload = models.JSONField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="cases_webhook_due_idx")]

    def __str__(self):
        return f"{self.webhook_id}:{self.event_id} {self.state}"
