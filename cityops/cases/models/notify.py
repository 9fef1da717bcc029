"""Notifications: the in-app inbox and the departments' webhooks with their outbox."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityops.cases.models.case import Case, CaseEvent
from cityops.org.models import Department


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
