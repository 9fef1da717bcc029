"""Sharing: consumers, their requests and the steps of each, grants, consumer keys, the access log."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityops.core.models import TimeStampedModel
from cityops.core.scoping import ScopedManager
from cityops.databrain.choices import (
    AccessChannel,
    ConsumerKind,
    RequestStatus,
)
from cityops.databrain.models.catalogue import Resource
from cityops.org.models import Department


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
