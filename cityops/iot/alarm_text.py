"""What an alarm says, computed when it is shown.

An offline alarm's stored message ("已 4 分钟无数据") is the silence when it was raised; the device
stays silent, so the text a person reads must count on from the start of the silence, in their
language. The same three duration formats are handed to the page's script, which keeps an open
page counting (iot-alarms.js).
"""

from datetime import datetime, timedelta

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from cityops.iot.choices import AlarmStatus, RuleKind


def duration_formats() -> dict[str, str]:
    """The duration formats in the active language: minutes; hours and minutes; days and hours."""
    return {
        "m": _("%(m)s min"),
        "hm": _("%(h)s h %(m)s min"),
        "dh": _("%(d)s d %(h)s h"),
    }


def duration_text(seconds: float) -> str:
    minutes = max(0, int(seconds // 60))
    formats = duration_formats()
    if minutes < 60:
        return formats["m"] % {"m": minutes}
    hours, m = divmod(minutes, 60)
    if hours < 24:
        return formats["hm"] % {"h": hours, "m": m}
    days, h = divmod(hours, 24)
    return formats["dh"] % {"d": days, "h": h}


def silent_since(alarm) -> datetime | None:
    """When an offline alarm's device fell silent (its value is the minutes of silence at raise)."""
    if alarm.rule.kind != RuleKind.OFFLINE:
        return None
    return alarm.started_at - timedelta(minutes=alarm.value or 0)


def _parts(alarm, now: datetime) -> tuple[str, str, datetime | None]:
    """(sentence, duration, start of the silence while it goes on)."""
    since = silent_since(alarm)
    ongoing = alarm.status == AlarmStatus.ACTIVE
    end = now if ongoing else (alarm.cleared_at or alarm.last_seen_at)
    duration = duration_text((end - since).total_seconds())
    if ongoing:
        return _("{rule}: no data for {duration}"), duration, since
    return _("{rule}: no data for {duration} until cleared"), duration, None


def alarm_text(alarm, *, now: datetime) -> str:
    """The alarm's message as plain text (exports)."""
    if silent_since(alarm) is None:
        return alarm.message
    sentence, duration, _since = _parts(alarm, now)
    return sentence.format(rule=alarm.rule.name, duration=duration)


def alarm_html(alarm, *, now: datetime) -> SafeString:
    """The alarm's message for a page; an ongoing silence in a span the page's script counts on."""
    if silent_since(alarm) is None:
        return format_html("{}", alarm.message)
    sentence, duration, since = _parts(alarm, now)
    if since is not None:
        duration = format_html(
            '<span class="alarm-duration" data-since="{}">{}</span>', since.isoformat(), duration
        )
    return format_html(sentence, rule=alarm.rule.name, duration=duration)
