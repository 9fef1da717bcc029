"""The town's terminals (office computers) and what their endpoint agent last reported."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cityops.core.models import TimeStampedModel
from cityops.core.scoping import ScopedManager
from cityops.org.models import Department
from cityops.security.choices import AgentStatus


class Terminal(TimeStampedModel):
    """A terminal known by its asset code, as the endpoint agent's console last exported it."""

    code = models.CharField(_("asset code"), max_length=40, unique=True)
    hostname = models.CharField(_("host name"), max_length=100, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    mac = models.CharField(_("MAC address"), max_length=17, blank=True)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="terminals",
        verbose_name=_("department"),
    )
    keeper = models.CharField(_("kept by"), max_length=50, blank=True)
    os = models.CharField(_("operating system"), max_length=60, blank=True)
    agent_status = models.CharField(_("agent status"), max_length=12, choices=AgentStatus.choices)
    agent_version = models.CharField(_("agent version"), max_length=40, blank=True)
    last_heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)

    objects = ScopedManager()
    scope_paths: dict = {}

    class Meta:
        ordering = ["code"]
        verbose_name = _("terminal")
        verbose_name_plural = _("terminals")
        indexes = [
            models.Index(fields=["last_heartbeat_at"], name="%(app_label)s_%(class)s_heartbeat"),
            models.Index(fields=["agent_status"], name="%(app_label)s_%(class)s_agent"),
        ]

    def __str__(self):
        return self.code
