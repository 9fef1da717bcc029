"""The data brain's catalogue (GB/T 21063 core metadata), its version history and search index, and
the log and findings of loads.

- ``Category``: the classification tree 类 → 项 → 目 → 细目 (GB/T 21063.4).
- ``Resource`` (信息资源): one catalogued data set, provided by a department; ``Field`` (信息项) its
  information items. Every change of the metadata writes a ``ResourceVersion`` with the whole
  metadata as it became and the differences from the version before.
- ``SearchToken``: the words (jieba segmentation) of a resource's name, abstract, code, provider,
  classification and field titles, so a Chinese search is an indexed lookup, never a substring scan.
- A resource's records live in a table of their own (``datastore.py``), not in a model here.
- ``Load``: one file loaded (or refused, or waiting for its column mapping) with its counts, its
  errors and its quality report; ``QualityIssue``: one flagged value of a loaded record.
- Sharing: a ``Consumer`` (a department or an outside system) asks for a resource in a
  ``ShareRequest`` (its steps in ``ShareEvent``); a granted request is a ``Grant`` of fields for a
  period; a consumer reads its grants with an ``ApiKey``; every read of records is an ``AccessLog`` row.
- Upstream sync: every catalogue version, every load, every deletion of records and a withdrawal is
  a ``SyncChange`` (the outbox, numbered per resource; a deleted record's number and key wait in a
  ``SyncTombstone``); ``SyncState`` is a resource's acknowledged position and health, ``SyncBatch`` the log
  of every push, ``SyncControl`` the global pause and the pusher's claim.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityops.core.models import TimeStampedModel
from cityops.core.scoping import ScopedManager
from cityops.databrain.choices import (
    AccessChannel,
    BatchStatus,
    CategoryLevel,
    ChangeKind,
    ConsumerKind,
    FieldType,
    LoadStatus,
    OpenType,
    Paging,
    Problem,
    PullFormat,
    PullKind,
    RequestStatus,
    ResourceFormat,
    Rule,
    ShareMethod,
    ShareType,
    UpdateCycle,
)
from cityops.org.models import Department


class Category(TimeStampedModel):
    """A node of the classification: its full code is its parent's code followed by its own digits."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=CategoryLevel.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    objects = ScopedManager()
    scope_paths: dict = {}

    class Meta:
        ordering = ["code"]
        verbose_name = _("resource category")
        verbose_name_plural = _("resource categories")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=4), name="%(app_label)s_%(class)s_level_valid"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class Resource(TimeStampedModel):
    """A data resource (信息资源) with its core metadata."""

    code = models.CharField(_("resource code"), max_length=40, unique=True)
    name = models.CharField(_("resource name"), max_length=200)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="resources", verbose_name=_("classification")
    )
    provider = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="data_resources", verbose_name=_("provider")
    )
    abstract = models.TextField(_("abstract"))
    format = models.CharField(_("format"), max_length=20, choices=ResourceFormat.choices)
    share_type = models.CharField(_("sharing type"), max_length=20, choices=ShareType.choices)
    share_condition = models.TextField(_("sharing condition"), blank=True)
    share_method = models.CharField(_("sharing method"), max_length=20, choices=ShareMethod.choices)
    open_type = models.CharField(_("open to the public"), max_length=20, choices=OpenType.choices)
    open_condition = models.TextField(_("open condition"), blank=True)
    update_cycle = models.CharField(_("update cycle"), max_length=20, choices=UpdateCycle.choices)
    published_on = models.DateField(_("publish date"), null=True, blank=True)
    related = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="related_from",
        verbose_name=_("related resources"),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    key_fields = models.JSONField(_("key fields"), default=list, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    record_count = models.PositiveIntegerField(_("records"), default=0)
    flagged_count = models.PositiveIntegerField(_("records with problems"), default=0)
    loaded_at = models.DateTimeField(_("last loaded"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawing"), blank=True)

    objects = ScopedManager()
    scope_paths: dict = {}

    class Meta:
        ordering = ["code"]
        verbose_name = _("data resource")
        verbose_name_plural = _("data resources")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(share_type__in=ShareType.values),
                name="%(app_label)s_%(class)s_share_type_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(share_type="conditional") | ~models.Q(share_condition=""),
                name="%(app_label)s_%(class)s_condition_given",
            ),
        ]
        indexes = [models.Index(fields=["provider", "code"], name="databrain_resource_provider")]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def table_name(self) -> str:
        return f"databrain_rec_{self.pk}"


class Field(models.Model):
    """An information item (信息项) of a resource: one column of its records."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="fields")
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("field name"), max_length=40)
    title = models.CharField(_("title"), max_length=100)
    type = models.CharField(_("data type"), max_length=10, choices=FieldType.choices)
    length = models.PositiveIntegerField(_("length"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    personal = models.BooleanField(_("personal data"), default=False)
    required = models.BooleanField(_("required"), default=False)
    rule = models.CharField(_("quality rule"), max_length=20, choices=Rule.choices, blank=True)

    class Meta:
        ordering = ["resource", "position"]
        verbose_name = _("information item")
        verbose_name_plural = _("information items")
        constraints = [
            models.UniqueConstraint(fields=["resource", "name"], name="%(app_label)s_%(class)s_name_unique"),
        ]

    def __str__(self):
        return f"{self.name} {self.title}"

    @property
    def column(self) -> str:
        """The text column of this field in its resource's record table."""
        return f"f{self.pk}"

    @property
    def number_column(self) -> str | None:
        """The typed column a numeric field also has (sorting and ranges), else None."""
        return f"n{self.pk}" if FieldType(self.type).numeric else None


class ResourceVersion(models.Model):
    """The metadata of a resource as one change left it, and what that change altered."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    at = models.DateTimeField(_("at"))
    actor = models.CharField(_("by"), max_length=150)
    snapshot = models.JSONField(_("metadata"))
    changes = models.JSONField(_("changes"), default=list)

    class Meta:
        ordering = ["resource", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "number"], name="%(app_label)s_%(class)s_number_unique"
            ),
        ]

    def __str__(self):
        return f"{self.resource_id} v{self.number}"


class SearchToken(models.Model):
    """One word of a resource's catalogue text, with how often and where it occurs (the weight)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="tokens")
    token = models.CharField(max_length=40)
    weight = models.PositiveSmallIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "resource"], name="%(app_label)s_%(class)s_unique"),
        ]

    def __str__(self):
        return self.token


class Load(TimeStampedModel):
    """One file loaded into a resource, or refused whole, or waiting for its column mapping."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="loads")
    actor = models.CharField(_("by"), max_length=150)
    filename = models.CharField(_("file"), max_length=200)
    file_format = models.CharField(_("format"), max_length=10)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    header_rows = models.PositiveSmallIntegerField(_("header rows"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=LoadStatus.choices)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    inserted = models.PositiveIntegerField(_("inserted"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    replace = models.BooleanField(_("replaces every record"), default=False)
    deleted = models.PositiveIntegerField(_("deleted"), default=0)
    flagged = models.PositiveIntegerField(_("records flagged"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    report = models.JSONField(_("quality report"), default=dict, blank=True)
    data = models.BinaryField(_("file"), null=True, blank=True)  # only until it is loaded or refused
    json_path = models.CharField(_("JSON path"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    chosen_mapping = models.JSONField(default=dict, blank=True)  # a queued load's confirmed mapping
    claimed_until = models.DateTimeField(null=True, blank=True)  # a worker loading it in the background
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("load")
        verbose_name_plural = _("loads")
        indexes = [models.Index(fields=["resource", "-created_at"], name="databrain_load_resource")]


class PullSource(TimeStampedModel):
    """A source a resource's records are pulled from on a schedule: an HTTP API or a SQL query.
    The token and the database address are sealed (``core/sealed.py``) and never shown back."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="pulls")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=PullKind.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    url = models.CharField(_("URL"), max_length=1000, blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    token_header = models.CharField(_("token header"), max_length=100, blank=True)
    token_sealed = models.TextField(blank=True)
    format = models.CharField(_("format"), max_length=10, choices=PullFormat.choices, default="json")
    json_path = models.CharField(_("JSON path"), max_length=200, blank=True)
    paging = models.CharField(_("paging"), max_length=10, choices=Paging.choices, default="none")
    page_param = models.CharField(_("page parameter"), max_length=50, blank=True)
    size_param = models.CharField(_("size parameter"), max_length=50, blank=True)
    page_size = models.PositiveIntegerField(_("page size"), default=100)
    next_path = models.CharField(_("next link path"), max_length=200, blank=True)
    max_pages = models.PositiveIntegerField(_("at most pages"), default=100)
    replace = models.BooleanField(_("replaces every record"), default=False)
    db_url_sealed = models.TextField(blank=True)
    query = models.TextField(_("query"), blank=True)
    every_minutes = models.PositiveIntegerField(_("every (minutes)"), null=True, blank=True)
    daily_at = models.TimeField(_("daily at"), null=True, blank=True)
    next_run_at = models.DateTimeField(_("next run"), null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_load = models.ForeignKey(Load, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["resource", "name"]
        verbose_name = _("pull source")
        verbose_name_plural = _("pull sources")
        constraints = [models.UniqueConstraint(fields=["resource", "name"], name="databrain_pull_name")]
        indexes = [models.Index(fields=["enabled", "next_run_at"], name="databrain_pull_due")]

    def __str__(self) -> str:
        return self.name


class QualityIssue(models.Model):
    """A value a quality check flagged; the value stays in the record, this row says what is wrong."""

    load = models.ForeignKey(Load, on_delete=models.CASCADE, related_name="issues")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="issues")
    record_id = models.BigIntegerField(_("record"))
    row = models.PositiveIntegerField(_("row"))
    field = models.CharField(_("field"), max_length=40)
    problem = models.CharField(_("problem"), max_length=20, choices=Problem.choices)
    value = models.CharField(_("value"), max_length=200, blank=True)
    detail = models.CharField(_("detail"), max_length=100, blank=True)

    class Meta:
        ordering = ["load", "row", "id"]
        indexes = [
            models.Index(fields=["resource", "record_id"], name="databrain_issue_record"),
            models.Index(fields=["load", "problem"], name="databrain_issue_load"),
        ]

    def __str__(self):
        return f"{self.field}: {self.problem}"


# ---- sharing ---------------------------------------------------------------------------------------


class Consumer(TimeStampedModel):
    """Who receives shared data: a department of the town or an outside system (name, code, contact)."""

    kind = models.CharField(_("kind"), max_length=12, choices=ConsumerKind.choices)
    department = models.OneToOneField(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="data_consumer",
        verbose_name=_("department"),
    )
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    switched_off_at = models.DateTimeField(_("switched off"), null=True, blank=True)

    objects = ScopedManager()
    scope_paths: dict = {}

    class Meta:
        ordering = ["code"]
        verbose_name = _("data consumer")
        verbose_name_plural = _("data consumers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="department", department__isnull=False)
                | models.Q(kind="system", department__isnull=True),
                name="%(app_label)s_%(class)s_kind_department",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class ShareRequest(models.Model):
    """A consumer's request for a resource's fields, for a purpose and a period."""

    consumer = models.ForeignKey(Consumer, on_delete=models.PROTECT, related_name="requests")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="share_requests")
    purpose = models.TextField(_("purpose"))
    fields = models.JSONField(_("fields wanted"), default=list)
    unmasked = models.JSONField(_("personal fields wanted in clear"), default=list, blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    status = models.CharField(_("status"), max_length=12, choices=RequestStatus.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("submitted"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("sharing request")
        verbose_name_plural = _("sharing requests")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="%(app_label)s_%(class)s_period_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="databrain_request_due"),
            models.Index(fields=["resource", "status"], name="databrain_request_resource"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.consumer_id}→{self.resource_id}"


class ShareEvent(models.Model):
    """One step of a request: submitted, granted, refused, withdrawn, warned, escalated."""

    request = models.ForeignKey(ShareRequest, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20)
    actor_name = models.CharField(_("by"), max_length=150)
    at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["request", "at", "id"]

    def __str__(self):
        return f"#{self.request_id} {self.action}"


class Grant(models.Model):
    """A consumer may read these fields of a resource until the grant expires or is revoked."""

    consumer = models.ForeignKey(Consumer, on_delete=models.PROTECT, related_name="grants")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="grants")
    request = models.OneToOneField(
        ShareRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="grant"
    )
    fields = models.JSONField(_("fields"), default=list)
    unmasked = models.JSONField(_("personal fields in clear"), default=list, blank=True)
    starts_on = models.DateField(_("from"))
    expires_on = models.DateField(_("expires"))
    created_at = models.DateTimeField(_("granted"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revoking"), blank=True)
    revoked_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        indexes = [models.Index(fields=["consumer", "resource"], name="databrain_grant_lookup")]

    def __str__(self):
        return f"{self.consumer_id}→{self.resource_id}"

    def is_active(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.revoked_at is None and self.starts_on <= today <= self.expires_on


class ApiKey(models.Model):
    """A consumer's key for the records API: shown once, kept as a SHA-256 digest only."""

    consumer = models.ForeignKey(Consumer, on_delete=models.CASCADE, related_name="keys")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason for revoking"), max_length=300, blank=True)
    revoked_by = models.CharField(max_length=150, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("consumer key")
        verbose_name_plural = _("consumer keys")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class AccessLog(models.Model):
    """One read of a resource's records: by whom (a user or a consumer's key), which fields, how many."""

    at = models.DateTimeField(default=timezone.now)
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="accesses")
    consumer = models.ForeignKey(Consumer, on_delete=models.SET_NULL, null=True, related_name="accesses")
    key = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    actor = models.CharField(max_length=150)
    channel = models.CharField(max_length=10, choices=AccessChannel.choices)
    fields = models.JSONField(default=list)
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["resource", "at"], name="databrain_access_resource"),
            models.Index(fields=["consumer", "at"], name="databrain_access_consumer"),
            models.Index(fields=["at"], name="databrain_access_at"),
        ]

    def __str__(self):
        return f"{self.actor} {self.resource_id} {self.rows}"


# ---- upstream sync ---------------------------------------------------------------------------------


class SyncChange(models.Model):
    """One change to push upstream, written in the transaction of the change itself: a catalogue
    version, or a load (its records are those whose ``_load`` is this load). ``seq`` counts a
    resource's changes 1, 2, 3 … under the resource's row lock, so it has neither gaps nor reorderings."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="sync_changes")
    seq = models.PositiveIntegerField(_("change"))
    kind = models.CharField(_("kind"), max_length=10, choices=ChangeKind.choices)
    version = models.PositiveIntegerField(_("version"), null=True, blank=True)
    load_id = models.BigIntegerField(_("load"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("records"), default=0)
    at = models.DateTimeField(_("at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        ordering = ["resource", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "seq"], name="%(app_label)s_%(class)s_seq_unique"),
            models.CheckConstraint(
                condition=models.Q(kind="catalogue", version__isnull=False)
                | models.Q(kind="records", load_id__isnull=False)
                | models.Q(kind__in=["deletions", "withdrawal"]),
                name="%(app_label)s_%(class)s_kind_target",
            ),
        ]

    def __str__(self):
        return f"{self.resource_id}#{self.seq} {self.kind}"


class SyncTombstone(models.Model):
    """A record a change deleted, kept until the change is delivered: the records themselves are gone,
    so their number and (masked) key are all that can be sent."""

    change = models.ForeignKey(SyncChange, on_delete=models.CASCADE, related_name="tombstones")
    record_id = models.BigIntegerField(_("record"))
    key = models.JSONField(_("key"), default=dict)

    class Meta:
        ordering = ["change", "record_id"]
        constraints = [
            models.UniqueConstraint(fields=["change", "record_id"], name="%(app_label)s_%(class)s_unique"),
        ]

    def __str__(self):
        return f"{self.change_id}:{self.record_id}"


class SyncState(models.Model):
    """A resource's acknowledged position upstream: changes up to ``seq`` are acknowledged whole, and
    of change ``seq + 1`` the records up to row ``row`` of its file; with its pause, stop and retry."""

    resource = models.OneToOneField(Resource, on_delete=models.CASCADE, related_name="sync_state")
    seq = models.PositiveIntegerField(_("acknowledged change"), default=0)
    row = models.PositiveIntegerField(_("acknowledged row of the next change"), default=0)
    paused = models.BooleanField(_("paused"), default=False)
    stopped = models.BooleanField(_("stopped"), default=False)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    next_try_at = models.DateTimeField(_("next try"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)

    def __str__(self):
        return f"{self.resource_id}@{self.seq}.{self.row}"


class SyncBatch(models.Model):
    """One attempt to push one batch upstream (the sync log)."""

    batch_id = models.CharField(_("batch"), max_length=200, db_index=True)
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="sync_batches")
    seq = models.PositiveIntegerField(_("change"))
    kind = models.CharField(_("kind"), max_length=10, choices=ChangeKind.choices)
    first_row = models.PositiveIntegerField(_("from row"), default=0)
    last_row = models.PositiveIntegerField(_("to row"), default=0)
    rows = models.PositiveIntegerField(_("records"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=BatchStatus.choices)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["resource", "-at"], name="databrain_syncbatch_resource"),
            models.Index(fields=["status", "-at"], name="databrain_syncbatch_status"),
        ]

    def __str__(self):
        return f"{self.batch_id} {self.status}"


class SyncControl(models.Model):
    """The one row of the sync as a whole: the global pause, and the pusher holding the claim (a
    conditional UPDATE takes it, so two pushers never run at once)."""

    paused = models.BooleanField(_("paused"), default=False)
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return "paused" if self.paused else "running"
