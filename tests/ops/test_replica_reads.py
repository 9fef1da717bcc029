"""With a replica set, the big screen's figures and map, the operations reports and the KPI page
read from it, and only they; writes, and every other read, stay on the primary. Without one (or
with its reads turned off), nothing reads from it.

The replica here is the test database's mirror reached through a connection of its own, so the
queries of each connection tell where a read went. The data must be committed for the second
connection to see it: these tests run outside a test transaction.
"""

import pytest
from django.db import OperationalError, connections
from django.test.utils import CaptureQueriesContext

from cityops.cases.models import Case
from cityops.cases.rollup import rollup_all
from cityops.core import replica
from cityops.ops.models import ReportStatus
from cityops.ops.reports.services import report_claim, report_make, report_request
from tests.ops.conftest import new_case
from tests.ops.test_reports import month  # noqa: F401 — the fixture of a closed, rolled-up month

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture
def reads_on(settings):
    settings.CITYOPS_REPLICA_READS = True


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


class Reads:
    """The queries of the primary and of the replica during a block."""

    def __enter__(self):
        self.primary = CaptureQueriesContext(connections["default"]).__enter__()
        self.replica = CaptureQueriesContext(connections["replica"]).__enter__()
        return self

    def __exit__(self, *exc):
        self.replica.__exit__(*exc)
        self.primary.__exit__(*exc)

    def on(self, which: str, table: str) -> int:
        captured = self.primary if which == "primary" else self.replica
        return sum(table in q["sql"] for q in captured.captured_queries)


def _screen(client, user):
    client.force_login(user)
    with Reads() as reads:
        figures = client.get("/ops/screen/figures.json")
        grids = client.get("/ops/screen/map.json?unit=village:V1")
    assert figures.status_code == 200 and grids.status_code == 200
    panels = {p["key"]: p for p in figures.json()["panels"]}
    assert not [key for key, p in panels.items() if "error" in p]
    return panels, grids.json(), reads


def test_the_screen_reads_its_figures_and_map_from_the_replica(catalogue, reads_on, client):
    new_case(catalogue, grid=1)
    rollup_all()
    panels, grids, reads = _screen(client, catalogue["officer"])
    assert panels["cases.figures"]["data"]["open_now"] == 1
    assert [f["properties"]["open"] for f in grids["features"] if f["properties"]["code"] == "G1"] == [1]
    assert reads.on("replica", "cases_case") > 0 and reads.on("replica", "geo_grid") > 0
    # the session and the signed-in user are read from the primary; no figure is
    assert reads.on("primary", "cases_case") == 0 and reads.on("primary", "geo_grid") == 0
    assert reads.on("primary", "django_session") > 0


def test_without_replica_reads_the_screen_reads_the_primary(catalogue, client):
    new_case(catalogue, grid=1)
    panels, _grids, reads = _screen(client, catalogue["officer"])
    assert panels["cases.figures"]["data"]["open_now"] == 1
    assert len(reads.replica.captured_queries) == 0
    assert reads.on("primary", "cases_case") > 0


def test_writes_inside_replica_reads_go_to_the_primary(catalogue, reads_on):
    case = new_case(catalogue, grid=1)
    with replica.replica_reads() as alias, Reads() as reads:
        assert alias == "replica"
        read = Case.objects.get(pk=case.pk)
        assert read._state.db == "replica"
        read.description = "changed under replica reads"
        read.save(update_fields=["description"])
    assert reads.on("replica", "UPDATE") == 0 and reads.on("primary", "UPDATE") == 1
    assert Case.objects.using("default").get(pk=case.pk).description == "changed under replica reads"


def test_a_report_reads_its_figures_from_the_replica_and_writes_its_row_on_the_primary(month, reads_on):  # noqa: F811 - the fixture
    _users, period = month
    registered = Case.objects.filter(registered_at__date__range=(period.start, period.end)).count()
    report_request(period=period)
    with Reads() as reads:
        report = report_make(report_claim())
    assert report.status == ReportStatus.DONE and report.cases == registered > 0
    assert reads.on("replica", "cases_casevillagedailystat") + reads.on(
        "replica", "cases_casevillagemonthlystat"
    )
    assert reads.on("primary", "cases_casevillage") == 0
    assert reads.on("primary", 'UPDATE "ops_report"') >= 2  # the progress and the outcome


def test_a_replica_that_has_not_caught_up_leaves_the_reads_on_the_primary(month, reads_on, monkeypatch):  # noqa: F811 - the fixture
    """The report's figures are read from the replica only once it has replayed what the primary
    held at the claim; past the wait, from the primary."""
    monkeypatch.setattr(replica, "replayed_since", lambda lsn: lsn is None)  # a standby far behind
    with Reads() as reads, replica.replica_reads_after("0/FFFFFFFF", wait=0.2, poll=0.05) as alias:
        assert alias == "default"
        assert Case.objects.count() == 4
    assert reads.on("primary", "cases_case") == 1 and reads.on("replica", "cases_case") == 0
    with replica.replica_reads_after(None, wait=0) as alias:
        assert alias == "replica"


def test_the_kpi_page_reads_the_rollups_from_the_replica(month, reads_on, client):  # noqa: F811 - the fixture
    users, period = month
    client.force_login(users["officer"])
    with Reads() as reads:
        page = client.get(
            "/cases/kpis/", {"rows": "village", "cols": "", "start": period.start, "end": period.end}
        )
    assert page.status_code == 200 and page.context["long"]
    assert reads.on("replica", "cases_casevillage") > 0
    assert reads.on("primary", "cases_casevillage") == 0


def test_a_standby_is_asked_whether_it_has_replayed_the_primarys_position(db, settings):
    """On PostgreSQL the mirror is no standby (not in recovery): it has nothing to catch up."""
    if connections["default"].vendor != "postgresql":
        pytest.skip("WAL positions are PostgreSQL's")
    assert replica.primary_lsn() is None  # reads turned off: no position asked
    settings.CITYOPS_REPLICA_READS = True
    lsn = replica.primary_lsn()
    assert lsn and "/" in lsn
    assert replica.replayed_since(lsn) is True


def test_an_unreachable_replica_leaves_the_reads_on_the_primary(db, settings, monkeypatch):
    settings.CITYOPS_REPLICA_READS = True

    def refused(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connections["replica"], "cursor", refused)
    assert replica.replayed_since("0/10") is False
    with replica.replica_reads_after("0/10", wait=0) as alias:
        assert alias == "default"
