"""The register of the town's information systems (重要信息系统台账)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cityops.core.models import TimeStampedModel
from cityops.core.scoping import ScopedManager
from cityops.org.models import Department
from cityops.security.choices import AssessmentResult, ContactRole, Exposure, ProtectionLevel, SystemStatus


class InfoSystem(TimeStampedModel):
    """One information system: who owns it, its 等保 level and filing, its last assessment and when
    the next one falls due, how far it is exposed and whether it holds personal data.

    ``warned_due_on`` and ``overdue_for`` are the due dates the worker has already warned about and
    found passed, so each due date is warned once and a new one (after an assessment) again.
    """

    code = models.CharField(_("system code"), max_length=32, unique=True)
    name = models.CharField(_("system name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="info_systems", verbose_name=_("owner department")
    )
    level = models.PositiveSmallIntegerField(_("protection level"), choices=ProtectionLevel.choices)
    filing_number = models.CharField(_("filing number"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=SystemStatus.choices, default=SystemStatus.IN_SERVICE
    )
    exposure = models.CharField(_("exposure"), max_length=12, choices=Exposure.choices)
    personal_data = models.BooleanField(_("holds personal data"), default=False)
    data_note = models.CharField(_("data held"), max_length=300, blank=True)
    last_assessed_on = models.DateField(_("last assessed"), null=True, blank=True)
    last_result = models.CharField(
        _("last result"), max_length=12, choices=AssessmentResult.choices, blank=True
    )
    last_assessor = models.CharField(_("assessed by"), max_length=100, blank=True)
    next_due_on = models.DateField(_("next assessment due"), null=True, blank=True)
    warned_due_on = models.DateField(null=True, blank=True, editable=False)
    overdue_for = models.DateField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedManager()
    scope_paths: dict = {}

    class Meta:
        ordering = ["code"]
        verbose_name = _("information system")
        verbose_name_plural = _("information systems")
        indexes = [models.Index(fields=["next_due_on"], name="%(app_label)s_%(class)s_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=5), name="%(app_label)s_%(class)s_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(exposure__in=Exposure.values), name="%(app_label)s_%(class)s_exposure_valid"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class SystemContact(models.Model):
    """A person to call about a system."""

    system = models.ForeignKey(InfoSystem, on_delete=models.CASCADE, related_name="contacts")
    role = models.CharField(_("role"), max_length=12, choices=ContactRole.choices)
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["system", "position", "id"]
        verbose_name = _("system contact")
        verbose_name_plural = _("system contacts")

    def __str__(self):
        return self.name
