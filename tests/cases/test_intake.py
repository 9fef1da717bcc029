"""Intake: location, routing, duplicates, photos and every bad input (each changes nothing)."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from cityops.audit.models import AuditRecord
from cityops.cases.choices import Channel, Status
from cityops.cases.intake import IntakeIn, Reporter, case_intake
from cityops.cases.models import Attachment, Case, CaseReport
from cityops.cases.photos import read_photo
from cityops.core.errors import PayloadTooLarge, ValidationFailed
from tests.builders import grid_centre
from tests.cases.conftest import jpeg

pytestmark = pytest.mark.django_db


def counts():
    return (
        Case.objects.count(),
        CaseReport.objects.count(),
        Attachment.objects.count(),
        AuditRecord.objects.count(),
    )


def intake(users, item="E-GARBAGE", grid=1, dx=0.0, channel=Channel.PATROL, by=None, **kw):
    lon, lat = grid_centre(grid)
    if by is None and channel == Channel.PATROL:
        # the inspector of G1 reports in their own grid; elsewhere the town's duty officer does
        by = "inspector_g1" if grid == 1 else "officer"
    user = users[by] if by else None
    defaults = {"lon": lon + dx, "lat": lat}
    defaults.update(kw)
    return case_intake(
        IntakeIn(channel=channel, item_code=item, reporter=Reporter(user=user), **defaults), by=user
    )


def refused(users, field, text, **kw):
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        intake(users, **kw)
    assert counts() == before
    assert exc.value.errors[0]["field"] == field and text in exc.value.errors[0]["message"], exc.value.errors
    return exc.value


def test_cases_are_numbered_by_year(catalogue):
    first = intake(catalogue).case
    second = intake(catalogue, grid=5).case
    year = timezone.localtime().year
    assert first.number == f"{year}0000001" and second.number == f"{year}0000002"


def test_routing_by_item_and_location(catalogue):
    case = intake(catalogue, item="E-FIRE", grid=7).case
    assert case.department.code == "D-XF" and case.workstation.code == "WV4"
    assert (case.grid.code, case.village.code, case.area.code) == ("G7", "V4", "A2")
    assert case.urgency == "normal" and case.category.code == "E0101" and case.big_category.code == "E01"


def test_a_report_nearby_joins_the_open_case(catalogue, settings):
    settings.CITYOPS_DUPLICATE_RADIUS_M = 50
    first = intake(catalogue)
    second = intake(catalogue, dx=0.0002, channel=Channel.RESIDENT, by=None)  # about 20 m east
    assert second.duplicate and second.case.pk == first.case.pk
    assert "already reported as case" in second.notice and first.case.number in second.notice
    case = Case.objects.get(pk=first.case.pk)
    assert case.reports == 2 and case.report_set.count() == 2
    assert case.events.filter(action="duplicate_report").count() == 1


def test_reports_further_away_or_of_another_item_open_new_cases(catalogue, settings):
    settings.CITYOPS_DUPLICATE_RADIUS_M = 50
    first = intake(catalogue)
    assert not intake(catalogue, dx=0.001).duplicate  # about 100 m
    assert not intake(catalogue, item="E-FIRE").duplicate
    assert Case.objects.exclude(pk=first.case.pk).count() == 2


def test_closed_or_old_cases_are_not_duplicates(catalogue, settings):
    settings.CITYOPS_DUPLICATE_HOURS = 72
    first = intake(catalogue).case
    Case.objects.filter(pk=first.pk).update(reported_at=timezone.now() - timedelta(hours=73))
    assert not intake(catalogue).duplicate
    Case.objects.update(status=Status.CLOSED)
    assert not intake(catalogue).duplicate


def test_unknown_item(catalogue):
    refused(catalogue, "item", "there is no active patrol item with code 'NOPE'", item="NOPE")


def test_residents_cannot_report_internal_items(catalogue):
    refused(
        catalogue,
        "item",
        "cannot be reported by residents",
        item="C-MANHOLE",
        channel=Channel.RESIDENT,
        by=None,
    )


def test_a_point_outside_the_town(catalogue):
    refused(catalogue, "location", "is outside the town", lon=114.5, lat=23.5)
    refused(catalogue, "location", "is not a WGS84 longitude and latitude", lon=float("nan"), lat=22.9)


def test_no_location_at_all(catalogue):
    refused(catalogue, "location", "a location is required", lon=None, lat=None)


def test_a_deadline_in_the_past(catalogue):
    refused(
        catalogue,
        "deadline",
        "is in the past",
        channel=Channel.HOTLINE,
        by=None,
        deadline=timezone.now() - timedelta(minutes=1),
    )


def test_description_too_long(catalogue):
    refused(catalogue, "description", "longer than 4000", description="x" * 4001)


def exif_jpeg(lon: float, lat: float) -> bytes:
    img = Image.new("RGB", (40, 30), (10, 120, 40))
    exif = Image.Exif()

    def dms(value):
        d = int(value)
        m = int((value - d) * 60)
        s = round(((value - d) * 60 - m) * 60 * 100)
        return ((d, 1), (m, 1), (s, 100))

    from PIL import TiffImagePlugin

    gps = {
        1: "N",
        2: tuple(TiffImagePlugin.IFDRational(*x) for x in dms(lat)),
        3: "E",
        4: tuple(TiffImagePlugin.IFDRational(*x) for x in dms(lon)),
    }
    exif[0x8825] = gps
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_photos_carry_their_exif_position_and_locate_a_report_without_gps(catalogue):
    lon, lat = grid_centre(3)
    photo = read_photo("site.jpg", exif_jpeg(lon, lat))
    assert photo.exif_lon == pytest.approx(lon, abs=1e-5) and photo.exif_lat == pytest.approx(lat, abs=1e-5)
    case = intake(catalogue, grid=3, lon=None, lat=None, photos=[photo]).case
    assert case.grid.code == "G3"
    att = case.attachments.get()
    assert att.content_type == "image/jpeg" and att.exif_lon is not None and att.thumbnail.name


@pytest.mark.parametrize(
    ("name", "data", "error", "text"),
    [
        ("a.gif", b"GIF89a" + b"\x00" * 40, ValidationFailed, "is not a JPEG, PNG or WebP image"),
        ("a.txt", b"hello world", ValidationFailed, "is not a JPEG, PNG or WebP image"),
        ("a.jpg", jpeg()[:60], ValidationFailed, "is not a JPEG, PNG or WebP image"),
    ],
)
def test_non_images_are_refused(name, data, error, text):
    with pytest.raises(error, match=text):
        read_photo(name, data)


def test_a_real_gif_is_refused_by_content():
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "GIF")
    with pytest.raises(ValidationFailed, match="a.png is a GIF image; only JPEG, PNG and WebP"):
        read_photo("a.png", out.getvalue())


def test_png_and_webp_are_accepted():
    for fmt, ctype in (("PNG", "image/png"), ("WEBP", "image/webp")):
        out = io.BytesIO()
        Image.new("RGB", (500, 400)).save(out, fmt)
        photo = read_photo(f"a.{fmt.lower()}", out.getvalue())
        assert photo.content_type == ctype
        assert Image.open(io.BytesIO(photo.thumbnail)).size == (320, 256)


def test_oversized_photos_are_refused(settings):
    settings.CITYOPS_MAX_PHOTO_MB = 1
    with pytest.raises(PayloadTooLarge, match="a photo may be at most 1 MB"):
        read_photo("big.jpg", b"\xff\xd8" + b"0" * (1024 * 1024 + 1))


def test_alarms_from_iot_and_video_open_cases_without_verification(catalogue):
    from cityops.cases.intake import intake_alarm
    from cityops.cases.services import ActionIn, case_transition

    lon, lat = grid_centre(2)
    result = intake_alarm(
        channel=Channel.IOT,
        item_code="C-MANHOLE",
        lon=lon,
        lat=lat,
        description="井盖倾斜报警",
        source_ref="alarm-42",
        attributes={"tilt": 31},
    )
    case = result.case
    assert (
        case.channel == "iot" and case.reporter is None and case.report_set.get().external_ref == "alarm-42"
    )
    case = case_transition(case_id=case.pk, by=catalogue["dispatcher_v1"], data=ActionIn(action="register"))
    assert case.status == Status.REGISTERED
    with pytest.raises(ValidationFailed, match="an alarm comes from iot or video"):
        intake_alarm(
            channel=Channel.PATROL, item_code="C-MANHOLE", lon=lon, lat=lat, description="", source_ref="x"
        )


# --- the reporter's scope ------------------------------------------------------------------------


def test_an_inspector_cannot_report_outside_their_grid(catalogue):
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        intake(catalogue, grid=5, by="inspector_g1")
    assert exc.value.errors[0]["field"] == "location"
    assert exc.value.detail.startswith("the point lies in grid G5 ")
    assert "outside your scope (G1 " in exc.value.detail
    assert counts() == before


def test_a_village_dispatcher_reports_patrol_cases_only_in_their_village(catalogue):
    assert intake(catalogue, grid=2, by="dispatcher_v1").case.grid.code == "G2"  # G2 is in V1
    with pytest.raises(ValidationFailed, match="lies in grid G5 .*outside your scope \\(V1 "):
        intake(catalogue, grid=5, by="dispatcher_v1")


@pytest.mark.parametrize("channel", [Channel.RESIDENT, Channel.HOTLINE, Channel.OPEN311])
def test_town_wide_channels_are_not_limited_by_the_staff_member_entering_them(catalogue, channel):
    """A hotline ticket typed by a village dispatcher may concern any place in the town."""
    case = intake(catalogue, grid=5, channel=channel, by="dispatcher_v1").case
    assert case.grid.code == "G5"


def test_alarms_are_town_wide(catalogue):
    from cityops.cases.intake import intake_alarm

    lon, lat = grid_centre(7)
    result = intake_alarm(
        channel=Channel.IOT, item_code="E-FIRE", lon=lon, lat=lat, description="", source_ref="d"
    )
    assert result.case.grid.code == "G7"


def test_the_phone_page_and_the_api_name_the_grid_and_the_scope(client, catalogue):
    client.force_login(catalogue["inspector_g1"])
    lon, lat = grid_centre(5)
    resp = client.post("/api/v1/cases", {"item": "E-GARBAGE", "lon": lon, "lat": lat})
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "location"
    assert "grid G5" in resp.json()["detail"] and "(G1 " in resp.json()["detail"]
    resp = client.post(
        "/cases/m/",
        {"item": "E-GARBAGE", "lon": lon, "lat": lat, "description": "路边垃圾"},
        HTTP_HX_REQUEST="true",
    )
    assert resp.status_code == 422
    assert "G5" in resp.content.decode() and "G1" in resp.content.decode()
    assert Case.objects.count() == 0
