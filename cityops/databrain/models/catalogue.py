"""The catalogue (GB/T 21063 core metadata), its version history and search index, and the log and
findings of loads and pulls."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cityops.core.models import TimeStampedModel
from cityops.core.scoping import ScopedManager
from cityops.databrain.choices import (
    CategoryLevel,
    FieldType,
    LoadStatus,
    OpenType,
    Paging,
    Problem,
    PullFormat,
    PullKind,
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
