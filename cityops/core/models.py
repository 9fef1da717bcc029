from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityops.core.choices import DayKind


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class CalendarDay(TimeStampedModel):
    """An exception to the Monday–Friday week: a holiday on a weekday or a working weekend day.

    A day is a working day iff (it is Monday–Friday and has no holiday row) or it has a workday
    row. Holidays that fall on a weekend change nothing and have no row.
    """

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=50, help_text=_("e.g. 春节, 国庆节调休上班"))

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=DayKind.values), name="%(app_label)s_%(class)s_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.date.isoformat()} {self.name}"

    def clean(self):
        if self.date is None:
            return
        weekend = self.date.weekday() >= 5
        if self.kind == DayKind.HOLIDAY and weekend:
            message = _("%(date)s is a Saturday or Sunday: a holiday row is only for a weekday.")
        elif self.kind == DayKind.WORKDAY and not weekend:
            message = _("%(date)s is a weekday: a workday row is only for a Saturday or Sunday.")
        else:
            return
        raise ValidationError({"date": ValidationError(message, params={"date": self.date.isoformat()})})


class RateCounter(models.Model):
    """Hits of one rate limit by one client in one fixed window (``core/ratelimit.py``).

    A row per (key, window start): the window is part of the key, so a count can never outlive its
    window, and a row is added or incremented in one atomic statement on both databases.
    """

    key = models.CharField(max_length=200)
    window_start = models.BigIntegerField(help_text="the window's start, in seconds since the epoch")
    hits = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key", "window_start"], name="%(app_label)s_%(class)s_key_window"
            ),
        ]

    def __str__(self):
        return f"{self.key} @ {self.window_start}: {self.hits}"
