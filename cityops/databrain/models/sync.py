"""The upstream sync: the outbox of changes, the tombstones of deleted records, each resource's
acknowledged position, the log of pushes and the global control."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityops.databrain.choices import (
    BatchStatus,
    ChangeKind,
)
from cityops.databrain.models.catalogue import Resource


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
