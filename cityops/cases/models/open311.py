"""Clients of the Open311 GeoReport v2 API (apps, partner portals) and their API keys."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Open311Client(models.Model):
    """A reporting client issued an api_key by an administrator; only a digest of the key is kept."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    requests = models.PositiveIntegerField(_("requests posted"), default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")

    def __str__(self):
        return self.name

    @property
    def active(self) -> bool:
        return self.revoked_at is None
