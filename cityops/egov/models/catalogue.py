"""The government service item catalogue (政务服务事项 and their 办事指南).

- ``ServiceItem``: one item of the implementation list, known by its code, with the competent
  department (主管部门). What a resident reads lives in its versions.
- ``ItemVersion``: the guide of an item as one edit left it. A published version never changes:
  editing makes (or continues) the one draft, publishing turns the draft into the published version
  and the version before into a superseded one. ``ServiceItem.published`` is what the public sees.
- ``Situation`` (办理情形) and ``Material`` (申请材料) belong to a version; a material of a
  situation is asked only in that situation, one without a situation always.

The time limits are working days on the project's calendar; the applications that later run
against them read ``legal_days`` and ``promised_days`` from the version they were made under.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cityops.core.models import TimeStampedModel
from cityops.core.scoping import ScopedManager
from cityops.egov.choices import (
    Applicant,
    ItemType,
    LimitKind,
    MaterialForm,
    MaterialSource,
    OnlineDepth,
    VersionState,
)
from cityops.org.models import Department


class ServiceItem(TimeStampedModel):
    """A service item: its code, its competent department and its published and draft guides."""

    code = models.CharField(_("item code"), max_length=40, unique=True)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="service_items",
        verbose_name=_("competent department"),
    )
    published = models.OneToOneField(
        "ItemVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    draft = models.OneToOneField(
        "ItemVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager()
    scope_paths: dict = {}
    scope_department_path = "department"

    class Meta:
        ordering = ["code"]
        verbose_name = _("service item")
        verbose_name_plural = _("service items")

    def __str__(self):
        return self.code

    @property
    def head(self) -> "ItemVersion":
        """The newest guide: the draft being edited, else the published one."""
        return self.draft or self.published


class ItemVersion(models.Model):
    """One version of an item's guide (办事指南) with every standard element."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    state = models.CharField(_("state"), max_length=12, choices=VersionState.choices)
    created_at = models.DateTimeField(_("created"))
    created_by = models.CharField(_("created by"), max_length=150)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.CharField(_("published by"), max_length=150, blank=True)

    name = models.CharField(_("item name"), max_length=200)
    item_type = models.CharField(_("item type"), max_length=20, choices=ItemType.choices)
    implementing_body = models.CharField(_("implementing body"), max_length=200)
    applicant = models.CharField(_("applicants"), max_length=20, choices=Applicant.choices)
    legal_basis = models.TextField(_("legal basis"))
    conditions = models.TextField(_("conditions"), blank=True)
    limit_kind = models.CharField(_("kind of time limit"), max_length=12, choices=LimitKind.choices)
    legal_days = models.PositiveSmallIntegerField(_("legal time limit (working days)"), null=True, blank=True)
    promised_days = models.PositiveSmallIntegerField(_("promised time limit (working days)"), default=0)
    fee = models.BooleanField(_("charged"), default=False)
    fee_standard = models.CharField(_("fee standard"), max_length=300, blank=True)
    fee_basis = models.CharField(_("fee basis"), max_length=300, blank=True)
    online = models.BooleanField(_("online"), default=False)
    window = models.BooleanField(_("at a window"), default=True)
    kiosk = models.BooleanField(_("at a kiosk"), default=False)
    visits = models.PositiveSmallIntegerField(_("visits needed"), default=1)
    online_depth = models.PositiveSmallIntegerField(
        _("online depth"), choices=OnlineDepth.choices, default=OnlineDepth.GUIDE
    )
    place = models.CharField(_("where"), max_length=200, blank=True)
    hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    phone = models.CharField(_("enquiries phone"), max_length=40, blank=True)
    result_name = models.CharField(_("result"), max_length=200, blank=True)
    delivery = models.JSONField(_("delivery of the result"), default=list, blank=True)

    class Meta:
        ordering = ["item", "-number"]
        verbose_name = _("item version")
        verbose_name_plural = _("item versions")
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="%(app_label)s_%(class)s_number_unique"),
            models.UniqueConstraint(
                fields=["item"], condition=Q(state="draft"), name="%(app_label)s_%(class)s_one_draft"
            ),
            models.CheckConstraint(
                condition=Q(legal_days__isnull=True) | Q(promised_days__lte=F("legal_days")),
                name="%(app_label)s_%(class)s_promised_within_legal",
            ),
            models.CheckConstraint(
                condition=~Q(limit_kind="immediate") | Q(promised_days=0),
                name="%(app_label)s_%(class)s_immediate_has_no_days",
            ),
            models.CheckConstraint(
                condition=Q(state__in=VersionState.values), name="%(app_label)s_%(class)s_state_valid"
            ),
        ]
        indexes = [models.Index(fields=["item_type", "state"], name="egov_version_type_state")]

    def __str__(self):
        return f"{self.name} v{self.number}"


class Situation(models.Model):
    """办理情形: a case of the item that asks for materials of its own."""

    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="situations")
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("situation"), max_length=200)
    description = models.CharField(_("description"), max_length=500, blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "name"], name="%(app_label)s_%(class)s_name_unique"),
        ]

    def __str__(self):
        return self.name


class Material(models.Model):
    """申请材料: what the applicant brings, or what the platform fetches from the data brain."""

    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="materials")
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("material"), max_length=200)
    situation = models.ForeignKey(
        Situation, on_delete=models.CASCADE, null=True, blank=True, related_name="materials"
    )
    form = models.CharField(_("form"), max_length=20, choices=MaterialForm.choices)
    copies = models.PositiveSmallIntegerField(_("copies"), default=1)
    required = models.BooleanField(_("required"), default=True)
    source = models.CharField(_("source"), max_length=20, choices=MaterialSource.choices)
    resource = models.ForeignKey(
        "databrain.Resource",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fetched from the data brain"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(copies__gte=1), name="%(app_label)s_%(class)s_copies_positive"
            ),
        ]

    def __str__(self):
        return self.name
