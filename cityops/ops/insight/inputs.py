"""The choices a decision-support page takes from its query string, checked: a bad value is a
clear message naming it, never a guess."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.cases.models import ItemCategory

MAX_DAYS = 366


class InsightInputError(ValueError):
    """A choice on a decision-support page that cannot be answered; ``str()`` says which and why."""


@dataclass(frozen=True)
class Span:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Span":
        """The span of the same length just before this one."""
        return Span(self.start - timedelta(days=self.days), self.start - timedelta(days=1))


def _date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InsightInputError(
            _("%(name)s must be a date as YYYY-MM-DD, not “%(value)s”") % {"name": name, "value": text[:30]}
        ) from None


def span_from(params, *, default_days: int = 90) -> Span:
    """The period from ``start`` and ``end`` (default: the ``default_days`` days up to yesterday)."""
    yesterday = timezone.localdate() - timedelta(days=1)
    start_text, end_text = (params.get("start") or "").strip(), (params.get("end") or "").strip()
    end = _date(end_text, _("The end")) if end_text else yesterday
    start = _date(start_text, _("The start")) if start_text else end - timedelta(days=default_days - 1)
    if end < start:
        raise InsightInputError(
            _("The period ends (%(end)s) before it starts (%(start)s)") % {"end": end, "start": start}
        )
    if (end - start).days + 1 > MAX_DAYS:
        raise InsightInputError(_("A period is at most %(n)d days long") % {"n": MAX_DAYS})
    return Span(start, end)


def group_from(params) -> ItemCategory | None:
    """The item group (big category) named by ``group``, or None for every group."""
    code = (params.get("group") or "").strip()
    if not code:
        return None
    found = ItemCategory.objects.filter(code=code, parent__isnull=True).first()
    if found is None:
        raise InsightInputError(_("There is no item group “%(code)s”") % {"code": code[:30]})
    return found


def groups() -> list[ItemCategory]:
    """The item groups (big categories) to choose from."""
    return list(ItemCategory.objects.filter(parent__isnull=True).order_by("code"))


def int_from(params, name: str, *, default: int, low: int, high: int, label: str) -> int:
    """A whole number ``name`` between ``low`` and ``high``."""
    text = (params.get(name) or "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise InsightInputError(
            _("%(label)s must be a whole number from %(low)d to %(high)d, not “%(value)s”")
            % {"label": label, "low": low, "high": high, "value": text[:20]}
        )
    return value
