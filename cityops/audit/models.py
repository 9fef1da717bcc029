from django.db import models
from django.utils.translation import gettext_lazy as _

from cityops.audit.choices import VerificationStatus


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("audit records are append-only")

    def delete(self):
        raise PermissionError("audit records are append-only")


class AuditRecord(models.Model):
    """One event in the append-only trail; ``hash`` chains it to the record before it.

    The actor is kept by id and name (not a foreign key) so that the trail stands on its own and
    no account change can touch it. Database triggers refuse UPDATE and DELETE as well. On
    PostgreSQL a record is written unchained (``seq``, ``prev_hash`` and ``hash`` empty) and the
    chain's sequencer fills those three in once it has committed, within about a second
    (``services.audit_chain``); the triggers let that one update through and nothing else.
    """

    seq = models.BigIntegerField(unique=True, null=True, editable=False)
    at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64, null=True)
    hash = models.CharField(max_length=64, unique=True, null=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]  # the order written in; a record has its seq only once chained
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        # The auditor's page filters by each of these and lists newest first: each filter walks its
        # own index from the end of the time range, whatever the size of the trail.
        indexes = [
            models.Index(fields=["actor", "at"], name="audit_actor_at_idx"),
            models.Index(fields=["action", "at"], name="audit_action_at_idx"),
            models.Index(fields=["object_type", "object_id", "at"], name="audit_object_at_idx"),
            # the records the sequencer has still to chain, in the order it chains them
            models.Index(fields=["id"], condition=models.Q(seq__isnull=True), name="audit_unchained_idx"),
        ]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("audit records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit records are append-only")


class AuditHead(models.Model):
    """The single row holding the chain's last seq and hash; locked while records are chained."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="%(app_label)s_%(class)s_single")
        ]

    def __str__(self):
        return f"AuditHead {self.pk}"


class AuditVerification(models.Model):
    """One run of the chain's verification asked for on the auditor's page and made by a worker
    (the job ``audit.verify``), with its progress while it walks and its outcome after."""

    requested_at = models.DateTimeField(_("asked for at"))
    requested_by = models.CharField(_("asked for by"), max_length=150)
    status = models.CharField(
        _("status"), max_length=10, choices=VerificationStatus.choices, default=VerificationStatus.QUEUED
    )
    worker = models.CharField(max_length=100, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.BigIntegerField(default=0)  # the records in the chain when the walk began
    checked = models.BigIntegerField(default=0)
    broken_seq = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("audit trail verification")
        verbose_name_plural = _("audit trail verifications")
        indexes = [models.Index(fields=["status", "requested_at"], name="audit_verify_status_idx")]

    def __str__(self):
        return f"verification {self.pk} {self.status}"

    @property
    def percent(self) -> int:
        if self.status == VerificationStatus.INTACT:
            return 100
        return min(100, int(self.checked * 100 / self.total)) if self.total else 0

    @property
    def status_label(self) -> str:
        return VerificationStatus(self.status).label

    @property
    def status_colour(self) -> str:
        return VerificationStatus(self.status).colour
