"""Operations reports: the same figures as the KPI page, the files (XLSX, PDF with the CJK font),
an empty period, the schedule (each closed period once), a request with its progress, permissions."""

import io
import re
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone
from pypdf import PdfReader

from cityops.cases.models import Case
from cityops.cases.rollup import local_day, rollup_all
from cityops.core.models import Job, JobRun
from cityops.geo.models import Area, Village
from cityops.ops import tasks
from cityops.ops.models import Report, ReportStatus
from cityops.ops.reports import figures, periods
from cityops.ops.reports.services import (
    ReportRefused,
    folder,
    report_claim,
    report_make,
    report_request,
    schedule,
)
from tests.cases.test_kpis import _scenario
from tests.cases.test_rollup import _shift, add_inspectors
from tests.conftest import _user

pytestmark = pytest.mark.django_db
URL = "/ops/reports/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def month(catalogue):
    """The scenario's four cases moved back into last month (a closed period), rolled up."""
    users = add_inspectors(catalogue)
    _scenario(users)
    today = timezone.localdate()
    back = today - periods.last_closed("month", today).start - timedelta(days=3)
    for case in Case.objects.all():
        _shift(case, timedelta(days=back.days if back.days > 0 else 0))
    rollup_all()
    day = local_day(Case.objects.order_by("reported_at").first().reported_at)
    period = periods.period_of("month", day)
    assert period.closed(today)
    users["duty_a1"] = _user("duty_a1", "duty_officer", "area", "A1")
    return users, period


def _kpi_page(client, user, dimension, period):
    client.force_login(user)
    response = client.get(
        "/cases/kpis/", {"rows": dimension, "cols": "", "start": period.start, "end": period.end}
    )
    assert response.status_code == 200
    return response.context["long"]


def _made(period, **kw) -> Report:
    report = report_request(period=period, **kw)
    claimed = report_claim()
    assert claimed.pk == report.pk
    return report_make(claimed)


def _sheet(report, title) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO((folder() / report.xlsx_name).read_bytes()))
    return list(book[title].values)


def _parts(row, key):
    return {p: row.kpis[key][p] for p in ("value", "numerator", "denominator")}


@pytest.mark.parametrize("who", ["officer", "duty_a1"])
def test_the_figures_are_the_kpi_pages_to_the_case(client, month, who):
    users, period = month
    user = users[who]
    area = Area.objects.get(code="A1") if who == "duty_a1" else None
    reader = figures.ScopeReader(area and area.pk)
    for dimension in ("village", "department"):
        page = _kpi_page(client, user, dimension, period)
        ours = figures.case_lines(reader, dimension, period)
        assert [line.key for line in ours] == [line["row"].key for line in page["lines"]]
        for line, theirs in zip(ours, page["lines"], strict=True):
            for c in figures.COUNTS:
                assert line.counts[c] == theirs["row"].counts[c], (dimension, line.key, c)
            for k in figures.RATES:
                assert line.rates[k] == _parts(theirs["row"], k), (dimension, line.key, k)
        total = dict(zip([k.key for k in page["kpis"]], page["total"], strict=True))
        mine = figures.case_total(reader, period)
        for k in figures.RATES:
            cell = total[k]
            assert (cell.value, cell.numerator, cell.denominator) == tuple(mine.rates[k].values())
    # …and the files say the same
    report = _made(period, area=area)
    rows = _sheet(report, "按村（社区）")
    page = _kpi_page(client, user, "village", period)
    assert [r[0] for r in rows[1:]] == [line["row"].key for line in page["lines"]]
    effective = rows[0].index("有效处置率")
    for r, theirs in zip(rows[1:], page["lines"], strict=True):
        assert r[effective] == theirs["row"].kpis["effective_disposal_rate"]["value"]
        assert r[3] == theirs["row"].counts["registered"]
    assert report.cases == sum(line["row"].counts["registered"] for line in page["lines"])


def test_the_pdf_embeds_a_noto_cjk_font_and_its_text_extracts(month):
    _users, period = month
    report = _made(period)
    pdf = PdfReader(folder() / report.pdf_name)
    fonts = set()
    for page in pdf.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    # embedded as a subset: a six-letter tag before the name
    assert any(re.fullmatch(r"/[A-Z]{6}\+Noto-Sans-CJK-SC", f) for f in fonts), fonts
    assert not any("Serif" in f for f in fonts), fonts  # the charts' text too is in the CJK font
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in pdf.pages))
    assert "运行报告" in text and "有效处置率" in text and "村1" in text
    assert report.pdf_size > 10_000 and report.status == ReportStatus.DONE and report.seconds is not None


def test_an_empty_period_makes_a_report_that_says_so(month):
    _users, period = month
    empty = period.year_before()
    report = _made(empty)
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(folder() / report.pdf_name).pages))
    assert f"{empty.label}无案件上报" in text
    summary = _sheet(report, "汇总")
    assert any(r[0] and "无案件上报" in r[0] for r in summary)
    assert report.cases == 0


def test_a_period_not_yet_ended_is_refused_naming_it(month):
    this = periods.period_of("week", timezone.localdate())
    with pytest.raises(ReportRefused, match=this.label):
        report_request(period=this)
    assert not Report.objects.exists()


def _rolled_up():
    now = timezone.now()
    job = Job.objects.create(name="cases.kpi_rollup", next_run_at=now)
    JobRun.objects.create(job=job, worker="w", started_at=now, finished_at=now, ok=True)


def test_the_job_makes_each_closed_period_once(month):
    assert schedule() == []  # the rollup has not counted the last days yet: wait
    _rolled_up()
    first = tasks.reports()
    assert first.startswith("queued 4; made ")
    today = timezone.localdate()
    made = {(r.kind, r.start) for r in Report.objects.filter(status=ReportStatus.DONE, scope_key="town")}
    assert made == {(k, periods.last_closed(k, today).start) for k in periods.KINDS}
    assert tasks.reports() == ""  # the next tick: nothing new
    assert Report.objects.count() == 4
    for r in Report.objects.all():
        assert (folder() / r.xlsx_name).is_file() and (folder() / r.pdf_name).is_file()


def test_a_request_shows_progress_until_the_job_has_made_it(client, month):
    users, period = month
    client.force_login(users["officer"])
    response = client.post(f"{URL}generate/", {"period": f"month:{period.start}"})
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.status == ReportStatus.QUEUED and report.requested_by == users["officer"]
    row = client.get(f"{URL}{report.pk}/row/").content.decode()
    assert "<progress" in row and 'hx-trigger="every 1s"' in row
    client.post(f"{URL}generate/", {"period": f"month:{period.start}"})  # asked twice: one row
    assert Report.objects.count() == 1
    assert "made month" in tasks.reports()
    row = client.get(f"{URL}{report.pk}/row/").content.decode()
    assert "<progress" not in row and f"{URL}{report.pk}/pdf/" in row
    pdf = client.get(f"{URL}{report.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    page = client.get(URL).content.decode()
    assert f'id="report-{report.pk}"' in page and "officer" in page


def test_forged_and_open_periods_are_answered_on_the_page(client, month):
    users, _period = month
    client.force_login(users["officer"])
    this = periods.period_of("month", timezone.localdate())
    for value in ("month:2026-02-03", "decade:2020-01-01", "", f"month:{this.start}"):
        response = client.post(f"{URL}generate/", {"period": value}, follow=True)
        assert response.status_code == 200
    text = response.content.decode()
    assert this.label in text  # the open period is named
    assert not Report.objects.exists()


def test_permissions_and_scope(client, month):
    users, period = month
    town = _made(period)
    v1, v4 = Village.objects.get(code="V1"), Village.objects.get(code="V4")
    village = _made(period.previous(), area=v1.area, village=v1)
    other = _made(period.previous(), area=v4.area, village=v4)
    for who in ("resident", "dispatcher_v1", "handler"):
        client.force_login(users[who])
        assert client.get(URL).status_code == 403
        assert client.get(f"{URL}{town.pk}/pdf/").status_code == 403
    client.force_login(users["duty_a1"])
    page = client.get(URL).content.decode()
    assert f'id="report-{village.pk}"' in page and f'id="report-{town.pk}"' not in page
    assert f'id="report-{other.pk}"' not in page and v4.area_id != v1.area_id
    assert client.get(f"{URL}{town.pk}/pdf/").status_code == 404  # outside her scope
    assert client.get(f"{URL}{village.pk}/xlsx/").status_code == 200
    assert client.get(f"{URL}{village.pk}/exe/").status_code == 404
    client.force_login(users["officer"])
    assert client.get(f"{URL}{village.pk}/pdf/").status_code == 200  # the town sees its villages
    client.logout()
    assert client.get(f"{URL}{town.pk}/pdf/").status_code == 302
