"""The duty desk's tables: shift templates, the roster (a leader and officers per date and shift),
the handover log with its open items, and the decisions asked of the leader on duty.

A roster entry stores its start and end as date-times, computed from its date and template when
written, so "who is on duty now" and "does this person overlap" are plain range queries.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = [
    "Decision",
    "DecisionKind",
    "Handover",
    "HandoverItem",
    "RosterEntry",
    "RosterOfficer",
    "ShiftTemplate",
]


class ShiftTemplate(models.Model):
    """A shift of the day: a day shift 08:30–17:30, a night shift 17:30–08:30 the next day."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=30)
    starts = models.TimeField(_("starts"))
    ends = models.TimeField(_("ends"), help_text=_("Earlier than the start: the shift ends the next day."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "starts"]
        verbose_name = _("shift template")
        constraints = [
            models.CheckConstraint(
                condition=~Q(starts=models.F("ends")), name="%(app_label)s_%(class)s_not_empty"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def overnight(self) -> bool:
        return self.ends < self.starts


class RosterEntry(models.Model):
    """Who is on duty for one shift of one date."""

    date = models.DateField(_("date"))
    template = models.ForeignKey(ShiftTemplate, on_delete=models.PROTECT, related_name="entries")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("leader on duty")
    )
    leader_phone = models.CharField(_("leader's phone"), max_length=20, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "template"], name="%(app_label)s_%(class)s_one_per_shift"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="%(app_label)s_%(class)s_ends_after"
            ),
        ]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="ops_roster_span_idx")]

    def __str__(self):
        return f"{self.date} {self.template}"


class RosterOfficer(models.Model):
    """A duty officer of a roster entry, with the phone to reach them on that shift."""

    entry = models.ForeignKey(RosterEntry, on_delete=models.CASCADE, related_name="officers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["entry", "user"], name="%(app_label)s_%(class)s_once")]

    def __str__(self):
        return f"{self.entry}: {self.user}"


class Handover(models.Model):
    """What the outgoing shift hands to the next: a summary, and (as items) what is still open."""

    entry = models.OneToOneField(RosterEntry, on_delete=models.PROTECT, related_name="handover")
    summary = models.TextField(_("what happened"))
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-written_at"]

    def __str__(self):
        return f"{self.entry}"


class HandoverItem(models.Model):
    """An open item raised in a handover; it stays in every later log until someone closes it."""

    handover = models.ForeignKey(Handover, on_delete=models.PROTECT, related_name="items")
    text = models.CharField(_("open item"), max_length=300)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_note = models.CharField(_("how it was closed"), max_length=300, blank=True)

    class Meta:
        ordering = ["opened_at", "id"]
        indexes = [models.Index(fields=["closed_at"], name="ops_handover_item_open_idx")]

    def __str__(self):
        return self.text


class DecisionKind(models.TextChoices):
    CASE_ESCALATED = "case_escalated", _("Case escalated to the town")
    IOT_CRITICAL = "iot_critical", _("Critical sensor alarm")
    OTHER = "other", _("Other")


class Decision(models.Model):
    """An event that needs the leader on duty to decide; sent to them (or, with none, the officers)."""

    kind = models.CharField(_("kind"), max_length=20, choices=DecisionKind.choices)
    title = models.CharField(_("title"), max_length=200)
    link = models.CharField(_("link"), max_length=300, blank=True)
    source_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    case_id = models.BigIntegerField(null=True, blank=True)
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entry = models.ForeignKey(RosterEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    no_leader = models.BooleanField(default=False)
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    decision = models.TextField(_("decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["decided_at", "requested_at"], name="ops_decision_open_idx")]

    def __str__(self):
        return self.title
