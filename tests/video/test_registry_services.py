"""The registry's rules: IDs, duplicates, location, the build order, the tree rule, sealed credentials."""

import logging
from datetime import date, timedelta

import pytest

from cityops.audit.models import AuditRecord
from cityops.core.errors import Forbidden, NotFound, ValidationFailed
from cityops.core.sealed import unseal
from cityops.video import services
from cityops.video.credentials import open_credentials, with_credentials
from cityops.video.models import Channel, Group, Project, Site
from tests.builders import grid_centre
from tests.video.conftest import gb

SECRET = "S3cret-pa55"


def new_channel(site, gb_id, **kw):
    return services.channel_create(data=services.ChannelIn(gb_id=gb_id, name="cam", site=site.code, **kw))


def errors_of(exc) -> dict:
    return {e["field"]: e["message"] for e in exc.value.errors}


# ---- projects and sites --------------------------------------------------------------------------


def test_project_target_defaults_from_its_kind(db):
    p = services.project_create(code="kj", name="科技护城墙", kind="public_security")
    k = services.project_create(code="mc", name="明厨亮灶", kind="kitchen", planned_channels=357)
    assert (p.target_rate, k.target_rate) == (98.0, 95.0)
    assert AuditRecord.objects.filter(action="video.project.create").count() == 2
    services.project_update(project_id=p.pk, planned_channels=1130)
    p.refresh_from_db()
    assert p.planned_channels == 1130


def test_project_refuses_bad_fields_and_duplicate_code(db):
    services.project_create(code="kj", name="x", kind="public_security")
    with pytest.raises(ValidationFailed) as exc:
        services.project_create(code="kj", name="", kind="nope", target_rate=120)
    assert set(errors_of(exc)) == {"code", "name", "kind", "target_rate"}
    assert "exists already" in errors_of(exc)["code"]
    assert Project.objects.count() == 1


def test_site_is_located_and_outside_the_town_is_refused(video_channels, video_projects):
    lon, lat = grid_centre(6)
    site = services.site_create(data=services.SiteIn("kjhcq", "PS-NEW", "新点位", lon, lat))
    assert site.grid.code == "G6" and site.village.code == "V3" and site.area.code == "A2"
    with pytest.raises(ValidationFailed) as exc:
        services.site_create(data=services.SiteIn("kjhcq", "PS-OUT", "外面", 100.0, 30.0))
    assert "outside the town" in errors_of(exc)["site_location"]
    assert not Site.objects.filter(code="PS-OUT").exists()


def test_moving_a_site_moves_its_channels_location(video_channels):
    site = video_channels["g1a"].site
    lon, lat = grid_centre(7)
    services.site_update(site_id=site.pk, lon=lon, lat=lat)
    for key in ("g1a", "g1b"):
        ch = Channel.objects.get(pk=video_channels[key].pk)
        assert (ch.grid.code, ch.village.code, ch.area.code) == ("G7", "V4", "A2")
        assert (ch.lon, ch.lat) == (lon, lat)
    assert AuditRecord.objects.filter(action="video.site.update").exists()


# ---- channels ---------------------------------------------------------------------------------------


def test_channel_copies_site_location_and_project(video_channels):
    site = video_channels["g5"].site
    ch = new_channel(site, gb("132", 50))
    assert (ch.project_id, ch.area_id, ch.village_id, ch.grid_id) == (
        site.project_id,
        site.area_id,
        site.village_id,
        site.grid_id,
    )
    assert (ch.lon, ch.lat) == (site.lon, site.lat)


@pytest.mark.parametrize(
    ("gb_id", "words"),
    [
        ("4419000000132700001", "19 digits, not 20"),
        ("44190000001327000x1", "characters other than digits"),
        ("11010000001327000001", "outside the town"),
        ("44190000001187000001", "not a type allowed here"),
        ("44190000002167000001", "not a type allowed here"),
    ],
)
def test_bad_channel_id_is_refused_naming_the_rule(video_channels, gb_id, words):
    with pytest.raises(ValidationFailed) as exc:
        new_channel(video_channels["g5"].site, gb_id)
    assert words in errors_of(exc)["gb_id"]
    assert not Channel.objects.filter(gb_id=gb_id).exists()


def test_duplicate_channel_id_is_refused_naming_it(video_channels):
    existing = video_channels["g5"].gb_id
    with pytest.raises(ValidationFailed) as exc:
        new_channel(video_channels["g5"].site, existing)
    assert errors_of(exc)["gb_id"] == f"a channel with ID {existing} exists already"


def test_credentials_are_stripped_sealed_and_never_echoed(video_channels, caplog):
    caplog.set_level(logging.DEBUG)
    url = f"rtsp://admin:{SECRET}@10.1.2.3:554/Streaming/Channels/101"
    ch = new_channel(
        video_channels["g5"].site, gb("132", 51), main_url=url, sub_url=url.replace("101", "102")
    )
    assert ch.main_url == "rtsp://10.1.2.3:554/Streaming/Channels/101"
    assert ch.sub_url.endswith("/102") and "admin" not in ch.sub_url
    assert SECRET not in ch.credentials_sealed
    assert open_credentials(ch.credentials_sealed).password == SECRET
    assert with_credentials(ch.main_url, ch.credentials_sealed) == url
    trail = list(AuditRecord.objects.values_list("before", "after"))
    assert SECRET not in repr(trail) and "admin" not in repr(trail)
    assert SECRET not in caplog.text
    # a bad address: the error names the field, never the value
    with pytest.raises(ValidationFailed) as exc:
        new_channel(video_channels["g5"].site, gb("132", 52), main_url=f"http://admin:{SECRET}@h/x")
    assert SECRET not in str(exc.value.detail) and SECRET not in repr(exc.value.errors)
    assert "rtsp://" in errors_of(exc)["main_url"]


def test_credentials_given_apart_and_kept_when_address_changes(video_channels):
    ch = new_channel(
        video_channels["g5"].site, gb("132", 53), main_url="rtsp://10.0.0.9/a", username="u1", password=SECRET
    )
    assert open_credentials(ch.credentials_sealed).username == "u1"
    services.channel_update(channel_id=ch.pk, main_url="rtsp://10.0.0.10/a")
    ch.refresh_from_db()
    assert ch.main_url == "rtsp://10.0.0.10/a" and open_credentials(ch.credentials_sealed).password == SECRET
    services.channel_update(channel_id=ch.pk, clear_credentials=True)
    ch.refresh_from_db()
    assert ch.credentials_sealed == "" and not ch.has_credentials
    rec = AuditRecord.objects.filter(action="video.channel.update").first()
    assert rec.after["credentials"] == "cleared"


def test_different_credentials_on_main_and_sub_are_refused(video_channels):
    with pytest.raises(ValidationFailed) as exc:
        new_channel(
            video_channels["g5"].site,
            gb("132", 54),
            main_url="rtsp://a:b@10.0.0.1/1",
            sub_url="rtsp://a:c@10.0.0.1/2",
        )
    assert "other credentials" in errors_of(exc)["sub_url"]


def test_unseal_round_trip_uses_core_sealed(video_channels):
    ch = new_channel(video_channels["g5"].site, gb("132", 55), main_url="rtsp://x:y@h/1")
    assert "y" in unseal(ch.credentials_sealed)


# ---- build status -----------------------------------------------------------------------------------


def test_build_status_moves_forward_dating_each_stage(video_channels):
    ch = video_channels["g8"]  # planned
    day = date.today() - timedelta(days=3)
    services.channel_set_build_status(channel_id=ch.pk, status="building", on=day)
    services.channel_set_build_status(channel_id=ch.pk, status="built")
    ch.refresh_from_db()
    assert ch.build_status == "built" and ch.building_on == day and ch.built_on is not None
    with pytest.raises(ValidationFailed) as exc:
        services.channel_set_build_status(channel_id=ch.pk, status="built")
    assert "already" in errors_of(exc)["build_status"]


def test_going_back_needs_a_reason_and_is_audited(video_channels):
    ch = video_channels["g5"]  # built
    with pytest.raises(ValidationFailed) as exc:
        services.channel_set_build_status(channel_id=ch.pk, status="building")
    assert "needs a reason" in errors_of(exc)["reason"]
    ch.refresh_from_db()
    assert ch.build_status == "built"
    services.channel_set_build_status(channel_id=ch.pk, status="building", reason="pole knocked down")
    ch.refresh_from_db()
    assert ch.build_status == "building" and ch.built_on is None
    rec = AuditRecord.objects.get(action="video.channel.build", object_id=str(ch.pk))
    assert rec.after["reason"] == "pole knocked down" and rec.before["build_status"] == "built"


def test_build_dates_out_of_order_or_later_stage_refused(video_channels):
    today = date.today()
    with pytest.raises(ValidationFailed) as exc:
        new_channel(
            video_channels["g5"].site,
            gb("132", 56),
            build_status="building",
            planned_on=today,
            building_on=today - timedelta(days=5),
            built_on=today,
        )
    e = errors_of(exc)
    assert "before planned on" in e["building_on"] and "has no built on" in e["built_on"]


# ---- the tree ---------------------------------------------------------------------------------------


def test_group_tree_rule(video_channels):
    bg = services.group_create(gb_id=gb("215", 1), name="治安业务")
    vo = services.group_create(gb_id=gb("216", 2), name="一号片区", parent=bg.gb_id)
    services.group_create(gb_id=gb("216", 3), name="一号片区东", parent=vo.gb_id)
    with pytest.raises(ValidationFailed) as exc:
        services.group_create(gb_id=gb("216", 4), name="无父")
    assert "hangs under" in errors_of(exc)["parent"]
    with pytest.raises(ValidationFailed) as exc:
        services.group_create(gb_id=gb("215", 5), name="x", parent=bg.gb_id)
    assert "root" in errors_of(exc)["parent"]
    with pytest.raises(ValidationFailed) as exc:
        services.group_create(gb_id=gb("132", 6), name="x")
    assert "not a type allowed here" in errors_of(exc)["gb_id"]
    # a channel under a 216, never directly under a 215
    ch = video_channels["g5"]
    services.channel_update(channel_id=ch.pk, group=vo.gb_id)
    assert Channel.objects.get(pk=ch.pk).group == vo
    with pytest.raises(ValidationFailed) as exc:
        services.channel_update(channel_id=ch.pk, group=bg.gb_id)
    assert "not directly under" in errors_of(exc)["group"]
    # no loops
    with pytest.raises(ValidationFailed) as exc:
        services.group_update(group_id=vo.pk, parent=gb("216", 3))
    assert "lies under it" in errors_of(exc)["parent"]
    assert Group.objects.count() == 3


# ---- scope ------------------------------------------------------------------------------------------


def test_scope_of_changes(video_channels, users):
    steward = users["steward"]
    ch = services.channel_update(channel_id=video_channels["g5"].pk, name="renamed", by=steward)
    assert ch.name == "renamed"
    with pytest.raises(Forbidden):
        services.channel_update(channel_id=video_channels["g5"].pk, name="x", by=users["dispatcher_v1"])
    with pytest.raises(Forbidden):
        services.channel_set_build_status(
            channel_id=video_channels["g8"].pk, status="built", by=users["resident"]
        )
    with pytest.raises(NotFound):
        services.channel_update(channel_id=999999, name="x")
