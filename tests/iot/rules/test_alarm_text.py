"""An offline alarm's text counts the silence up to the moment it is shown, in the reader's language.

The stored message is the silence when the alarm was raised ("已 91 分钟无数据"); a duty officer
looking an hour later must read the silence as it is then.
"""

from datetime import UTC, timedelta

import pytest
from django.utils import translation

from cityops.iot.alarm_text import alarm_html, alarm_text, duration_text
from cityops.iot.choices import Connectivity
from cityops.iot.models import Device
from cityops.iot.rules import sweep_offline
from tests.iot.rules.conftest import T0, alarms_of, feed

pytestmark = pytest.mark.django_db
M = timedelta(minutes=1)


@pytest.fixture
def silent_bin(devices):
    """A waste bin last heard at T0, raised offline at T0 + 91 min (after three 30-min intervals)."""
    bin_ = devices["bin"]
    Device.objects.filter(pk=bin_.pk).update(last_seen_at=T0, connectivity=Connectivity.ONLINE)
    assert sweep_offline(now=T0 + 91 * M) >= 1
    return bin_


def test_the_duration_counts_on_after_the_alarm_is_raised(silent_bin):
    alarm = alarms_of(silent_bin, "offline").get()
    name = alarm.rule.name
    assert alarm.message == f"{name}：已 91 分钟无数据"  # what was said when raised, kept as history
    sweep_offline(now=T0 + 150 * M)  # later sweeps count triggers; they do not rewrite the message
    alarm.refresh_from_db()
    with translation.override("zh-hans"):
        assert alarm_text(alarm, now=T0 + 91 * M) == f"{name}：已 1 小时 31 分钟无数据"
        assert alarm_text(alarm, now=T0 + 17 * 60 * M) == f"{name}：已 17 小时 0 分钟无数据"
        assert alarm_text(alarm, now=T0 + 50 * 60 * M) == f"{name}：已 2 天 2 小时无数据"
    with translation.override("en"):
        assert alarm_text(alarm, now=T0 + 107 * M) == f"{name}: no data for 1 h 47 min"
        html = alarm_html(alarm, now=T0 + 107 * M)
    # the page gets the start of the silence, so that an open page keeps counting
    since = T0.astimezone(UTC).isoformat()
    assert f'data-since="{since}"' in html and ">1 h 47 min</span>" in html


def test_a_cleared_alarm_keeps_the_silence_it_had(silent_bin):
    feed(silent_bin, {"fill_level": 0.1}, T0 + 100 * M)
    alarm = alarms_of(silent_bin, "offline").get()
    assert alarm.status == "cleared"
    with translation.override("zh-hans"):
        text = alarm_text(alarm, now=T0 + 10 * 60 * M)
    assert text == f"{alarm.rule.name}：解除前 1 小时 40 分钟无数据"
    assert "data-since" not in alarm_html(alarm, now=T0 + 10 * 60 * M)


def test_other_alarms_say_what_they_said_when_raised_escaped(silent_bin):
    alarm = alarms_of(silent_bin, "offline").get()
    alarm.rule.kind = "threshold"
    alarm.message = "<b>水位</b> 3.6 m"
    assert alarm_text(alarm, now=T0) == "<b>水位</b> 3.6 m"
    assert alarm_html(alarm, now=T0) == "&lt;b&gt;水位&lt;/b&gt; 3.6 m"


def test_durations_in_both_languages():
    with translation.override("en"):
        assert [duration_text(s) for s in (0, 59, 60 * 17, 3600 * 5 + 60, 86400 * 3 + 3600)] == [
            "0 min",
            "0 min",
            "17 min",
            "5 h 1 min",
            "3 d 1 h",
        ]
    with translation.override("zh-hans"):
        assert duration_text(60 * 17) == "17 分钟"
