"""The health state machine: debounce, history, outages, their cases, and GB/T 28181 keepalives."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cityops.audit.models import AuditRecord
from cityops.cases.models import Case, CaseEvent, PatrolItem
from cityops.video import health
from cityops.video.credentials import Credentials, seal_credentials
from cityops.video.models import Channel, GbDevice, HealthChange, Outage
from cityops.video.prober import ProbeResult

T0 = timezone.now().replace(microsecond=0)


class FakeProber:
    """Answers as told per channel id (default: alive); records what it was asked to probe."""

    def __init__(self):
        self.failing: dict[int, str] = {}
        self.asked: list[list[int]] = []

    def __call__(self, targets):
        targets = list(targets)
        self.asked.append(sorted(t.channel_id for t in targets))
        return [
            ProbeResult(
                t.channel_id,
                t.channel_id not in self.failing,
                self.failing.get(t.channel_id, ""),
                "" if t.channel_id in self.failing else "H264",
            )
            for t in targets
        ]


@pytest.fixture
def channels(video_channels):
    for key in ("g1a", "g1b", "g2", "g5", "g8", "cook", "cold"):
        ch = video_channels[key]
        Channel.objects.filter(pk=ch.pk).update(main_url=f"rtsp://127.0.0.1:1/{ch.gb_id}")
    return video_channels


@pytest.fixture
def prober():
    return FakeProber()


def sweep(prober, minutes=0):
    return health.sweep(runner=prober, now=T0 + timedelta(minutes=minutes))


def reload(ch):
    return Channel.objects.get(pk=ch.pk)


def test_only_built_and_accepted_channels_are_probed(channels, prober):
    summary = sweep(prober)
    ids = prober.asked[0]
    assert channels["g8"].pk not in ids and len(ids) == 6
    assert summary.channels == 6 and summary.probed == 6 and summary.ok == 6


def test_a_first_answer_sets_online_with_history(channels, prober):
    sweep(prober)
    ch = reload(channels["g1a"])
    assert (ch.health, ch.health_source, ch.failures, ch.codec) == ("online", "rtsp", 0, "H264")
    assert ch.health_since == T0 and ch.last_ok_at == T0 and ch.last_probe_at == T0
    change = HealthChange.objects.get(channel=ch)
    assert (change.previous, change.health, change.source, change.reason) == (
        "unknown",
        "online",
        "rtsp",
        "answered DESCRIBE (H264)",
    )
    sweep(prober, 1)  # still online: no new history
    assert HealthChange.objects.filter(channel=ch).count() == 1


def test_offline_only_after_the_set_number_of_failures_in_a_row(channels, prober, settings):
    settings.CITYOPS_VIDEO_OFFLINE_AFTER = 3
    ch = channels["g2"]
    sweep(prober)
    prober.failing[ch.pk] = "connection refused"
    for minute in (1, 2):
        sweep(prober, minute)
        got = reload(ch)
        assert (got.health, got.failures, got.last_error) == ("online", minute, "connection refused")
    assert not Outage.objects.exists()
    sweep(prober, 3)
    got = reload(ch)
    assert (got.health, got.failures, got.health_since) == ("offline", 3, T0 + timedelta(minutes=3))
    change = HealthChange.objects.filter(channel=ch).first()
    assert (change.previous, change.health, change.reason) == ("online", "offline", "connection refused")
    outage = Outage.objects.get()
    assert (outage.channel_id, outage.ended_at, outage.reason) == (ch.pk, None, "connection refused")
    assert (outage.area_id, outage.village_id, outage.grid_id) == (ch.area_id, ch.village_id, ch.grid_id)
    sweep(prober, 4)  # offline stays offline: no second outage, no second change
    assert Outage.objects.count() == 1 and HealthChange.objects.filter(channel=ch).count() == 2


def test_a_success_between_failures_starts_the_count_again(channels, prober, settings):
    settings.CITYOPS_VIDEO_OFFLINE_AFTER = 2
    ch = channels["g5"]
    prober.failing[ch.pk] = "read timeout"
    sweep(prober)
    assert (reload(ch).health, reload(ch).failures) == ("unknown", 1)  # first failures leave the state
    del prober.failing[ch.pk]
    sweep(prober, 1)
    prober.failing[ch.pk] = "read timeout"
    sweep(prober, 2)
    assert (reload(ch).health, reload(ch).failures) == ("online", 1)
    sweep(prober, 3)
    assert (reload(ch).health, reload(ch).failures) == ("offline", 2)


def test_unknown_goes_offline_after_the_failures(channels, prober, settings):
    settings.CITYOPS_VIDEO_OFFLINE_AFTER = 1
    ch = channels["g5"]
    prober.failing[ch.pk] = "no video track"
    sweep(prober)
    change = HealthChange.objects.get(channel=ch)
    assert (change.previous, change.health, change.reason) == ("unknown", "offline", "no video track")


def test_credentials_that_do_not_open_are_a_failure_without_a_probe(channels, prober):
    ch = channels["g1b"]
    Channel.objects.filter(pk=ch.pk).update(credentials_sealed="not-a-sealed-value")
    sweep(prober)
    assert ch.pk not in prober.asked[0]
    assert reload(ch).last_error == "the stored credentials do not open with the configured keys"


def test_credentials_are_unsealed_for_the_prober(channels):
    ch = channels["g1b"]
    Channel.objects.filter(pk=ch.pk).update(
        credentials_sealed=seal_credentials(Credentials("admin", "pa:ss"))
    )
    got = {}

    def runner(targets):
        for t in targets:
            got[t.channel_id] = (t.username, t.password)
        return []

    health.sweep(runner=runner)
    assert got[ch.pk] == ("admin", "pa:ss") and got[channels["g2"].pk] == ("", "")


# --- GB/T 28181 keepalives --------------------------------------------------------------------------


def nvr(channels, *, last, online=True):
    device = GbDevice.objects.create(
        gb_id="44190000001180000001",
        last_keepalive_at=last,
        online=online,
        keepalive_interval_s=60,
        keepalive_count=3,
    )
    Channel.objects.filter(pk__in=[channels["g1a"].pk, channels["g1b"].pk]).update(device=device)
    return device


def test_channels_of_a_device_that_keeps_alive_are_online_without_probing(channels, prober):
    nvr(channels, last=T0 - timedelta(seconds=100))
    sweep(prober)
    assert channels["g1a"].pk not in prober.asked[0] and channels["g1b"].pk not in prober.asked[0]
    ch = reload(channels["g1a"])
    assert (ch.health, ch.health_source, ch.last_keepalive_at, ch.last_probe_at) == (
        "online",
        "sip",
        T0 - timedelta(seconds=100),
        None,
    )
    assert HealthChange.objects.get(channel=ch).source == "sip"


def test_a_device_whose_keepalives_stopped_takes_its_channels_offline_at_once(channels, prober, settings):
    settings.CITYOPS_VIDEO_OFFLINE_AFTER = 3
    device = nvr(channels, last=T0 - timedelta(seconds=30))
    sweep(prober)
    GbDevice.objects.filter(pk=device.pk).update(last_keepalive_at=T0 - timedelta(seconds=181))
    sweep(prober, 0)
    ch = reload(channels["g1b"])
    assert (ch.health, ch.health_source) == ("offline", "sip")
    assert ch.last_error.startswith("the device's keepalives stopped (last at ")
    assert Outage.objects.filter(channel=ch, ended_at=None).exists()
    assert channels["g1b"].pk not in prober.asked[-1]


def test_a_device_that_never_kept_alive_leaves_its_channels_to_the_prober(channels, prober):
    nvr(channels, last=None, online=False)
    sweep(prober)
    assert channels["g1a"].pk in prober.asked[0]


# --- outages and their cases ------------------------------------------------------------------------


def go_offline(prober, ch, settings):
    settings.CITYOPS_VIDEO_OFFLINE_AFTER = 1
    prober.failing[ch.pk] = "connection refused"
    sweep(prober)


def test_a_long_outage_opens_one_case_closed_when_the_camera_is_back(channels, prober, settings, outage_item):
    ch = channels["g2"]
    go_offline(prober, ch, settings)
    sweep(prober, 20)
    assert not Case.objects.exists()  # not long enough yet
    summary = sweep(prober, 31)
    assert summary.cases_opened == 1
    case = Case.objects.get()
    outage = Outage.objects.get()
    assert (outage.case_id, outage.case_number, outage.case_error) == (case.pk, case.number, "")
    assert (case.channel, case.item.code, case.status, case.grid_id) == (
        "video",
        "camera_fault",
        "reported",
        ch.grid_id,
    )
    assert ch.gb_id in case.description and "connection refused" in case.description
    sweep(prober, 40)
    assert Case.objects.count() == 1  # once per outage

    del prober.failing[ch.pk]
    summary = sweep(prober, 45)
    assert summary.cases_closed == 1
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_at is not None and case.step_deadline is None
    assert case.closed_on_time is True and case.disposed_at is not None and case.version == 2
    event = CaseEvent.objects.get(case=case, action="source_resolved")
    assert (event.from_status, event.to_status, event.actor_name) == ("reported", "closed", "video")
    assert "is back online" in event.note
    assert AuditRecord.objects.filter(action="cases.case.source_resolved").exists()
    outage.refresh_from_db()
    assert outage.ended_at == T0 + timedelta(minutes=45)


def test_a_case_already_closed_by_hand_only_gets_a_note(channels, prober, settings, outage_item):
    ch = channels["g2"]
    go_offline(prober, ch, settings)
    sweep(prober, 31)
    case = Case.objects.get()
    Case.objects.filter(pk=case.pk).update(status="cancelled", closed_at=timezone.now())
    del prober.failing[ch.pk]
    summary = sweep(prober, 45)
    assert summary.cases_closed == 0
    case.refresh_from_db()
    assert case.status == "cancelled"
    assert list(case.events.values_list("action", flat=True)) == ["report", "source_note"]


def test_a_failed_intake_is_written_on_the_outage_and_tried_again(channels, prober, settings, outage_item):
    settings.CITYOPS_CATALOGUE_REFRESH_SECONDS = 0
    PatrolItem.objects.filter(code="camera_fault").update(active=False, updated_at=timezone.now())
    ch = channels["g5"]
    go_offline(prober, ch, settings)
    summary = sweep(prober, 31)
    assert summary.case_errors == 1 and not Case.objects.exists()
    outage = Outage.objects.get()
    assert outage.case_error == "there is no active patrol item with code 'camera_fault'"
    PatrolItem.objects.filter(code="camera_fault").update(
        active=True, updated_at=timezone.now() + timedelta(seconds=1)
    )
    sweep(prober, 32)
    outage.refresh_from_db()
    assert outage.case_id == Case.objects.get().pk and outage.case_error == ""


def test_two_cameras_of_one_site_share_a_case_closed_when_both_are_back(
    channels, prober, settings, outage_item
):
    a, b = channels["g1a"], channels["g1b"]
    settings.CITYOPS_VIDEO_OFFLINE_AFTER = 1
    prober.failing.update({a.pk: "connection refused", b.pk: "connection refused"})
    sweep(prober)
    sweep(prober, 31)
    case = Case.objects.get()  # the second report joined the first case (same item, same place)
    assert set(Outage.objects.values_list("case_id", flat=True)) == {case.pk}
    del prober.failing[a.pk]
    sweep(prober, 35)
    case.refresh_from_db()
    assert case.status == "reported"
    assert "Other cameras are still offline." in case.events.get(action="source_note").note
    del prober.failing[b.pk]
    sweep(prober, 36)
    case.refresh_from_db()
    assert case.status == "closed"


def test_no_case_when_the_threshold_is_zero(channels, prober, settings, outage_item):
    settings.CITYOPS_VIDEO_OUTAGE_CASE_MINUTES = 0
    go_offline(prober, channels["g2"], settings)
    sweep(prober, 600)
    assert not Case.objects.exists()


def test_a_sweep_writes_with_few_statements_whatever_the_number_of_channels(
    channels, prober, django_assert_max_num_queries
):
    rows = health._rows()
    seen = health.observe(rows, T0, prober)
    with django_assert_max_num_queries(8):
        health.apply(rows, seen, T0)


def test_video_watch_once_runs_the_video_jobs(channels, monkeypatch):
    from django.core.management import call_command

    from cityops.core.models import JobRun

    monkeypatch.setitem(health.sweep.__kwdefaults__, "runner", FakeProber())
    call_command("video-watch", "--once")
    assert set(JobRun.objects.filter(ok=True).values_list("job__name", flat=True)) == {
        "video.sweep",
        "video.rollup",
        "video.alert_cases",
        "video.alert_follow",
    }
    assert reload(channels["g2"]).health == "online"


def test_simulate_video_points_the_channels_at_itself(channels):
    import socket

    from django.core.management import call_command

    from cityops.video.simulator import Mix, needs_auth

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    call_command("simulate-video", "--rewrite-urls", "--port", str(port), "--for", "0.2", "--auth", "50")
    mix = Mix(auth=50)
    for ch in Channel.objects.filter(build_status="built"):
        assert ch.main_url == f"rtsp://127.0.0.1:{port}/{ch.gb_id}"
        assert bool(ch.credentials_sealed) == needs_auth(ch.gb_id, mix)
    assert (
        reload(channels["g8"]).main_url == f"rtsp://127.0.0.1:1/{channels['g8'].gb_id}"
    )  # planned: untouched
