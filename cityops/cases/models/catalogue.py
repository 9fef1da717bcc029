"""The patrol item catalogue (巡查事项) and its categories."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cityops.cases.choices import ItemKind, LimitUnit, Urgency
from cityops.core.models import TimeStampedModel
from cityops.org.models import Department


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
