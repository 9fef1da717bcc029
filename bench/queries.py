"""Read paths on PostgreSQL with the demo's year of history: a dispatcher's filtered queue and the
year's KPI tables.

Run after `bench/intake.py` (which loads the database) or on its own:
`.venv/bin/python bench/queries.py [--reuse] [--requests 200]`. Without --reuse it recreates the
database ($CITYOPS_BENCH_PG_URL) and seeds the demo's year (about 4 minutes); with --reuse it
migrates the existing one and, when the village rollups are empty, fills them (`kpi-rollup --all`).
$CITYOPS_BENCH_VAR keeps the var directory (static files, secret key) between runs.
Goals (grid governance issue): a dispatcher's filtered queue page p95 < 50 ms; the year's KPI
table by village × department < 300 ms.
"""

import argparse
import http.client
import json
import os
import re
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import _server  # noqa: E402


def timed(conn, path: str, headers: dict, n: int) -> dict:
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        resp.read()
        samples.append((time.perf_counter() - t0, resp.status))
    return _server.summary(samples, sum(s[0] for s in samples))


class Browser:
    """One keep-alive connection with a cookie jar: what a browser sends back, the bench sends."""

    def __init__(self, conn: http.client.HTTPConnection):
        self.conn, self.cookies = conn, {}

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        headers = {**(headers or {}), "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        for header in resp.headers.get_all("Set-Cookie") or []:
            self.cookies.update({k: m.value for k, m in SimpleCookie(header).items()})
        return resp, data


def session_login(conn, username: str, password: str) -> dict:
    """Sign in through the login form as a browser does (GET the form for its CSRF cookie and
    token, POST it); the returned headers carry the session and CSRF cookies."""
    browser = Browser(conn)
    resp, page = browser.request("GET", "/accounts/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if resp.status != 200 or token is None or "csrftoken" not in browser.cookies:
        raise RuntimeError(f"the login page answered {resp.status} without a CSRF cookie and token")
    body = urlencode(
        {"csrfmiddlewaretoken": token.group(1).decode(), "username": username, "password": password}
    )
    referer = f"http://127.0.0.1:{conn.port}/accounts/login/"
    form = {"Content-Type": "application/x-www-form-urlencoded", "Referer": referer}
    resp, _ = browser.request("POST", "/accounts/login/", body=body, headers=form)
    if resp.status != 302 or "sessionid" not in browser.cookies:
        raise RuntimeError(f"the login answered {resp.status} without a session")
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items())}


def prepare(var_dir: str, reuse: bool) -> None:
    """The database with the demo's year and both rollups, and the static files pages need."""
    if not reuse:
        _server.recreate_database()
    _server.cityops(var_dir, "migrate", "-v0")
    if not reuse:
        _server.cityops(var_dir, "seed-demo", "--quiet", quiet=True)
    # The pages 500 without the static manifest (the old scripted login failed on that).
    _server.cityops(var_dir, "collectstatic", "--noinput", "-v0")


def fill_village_rollups() -> None:
    """A database seeded before the village rollups existed gets them once (kpi-rollup --all)."""
    from django.core.management import call_command

    from cityops.cases.models.stats import CaseVillageMonthlyStat

    if not CaseVillageMonthlyStat.objects.exists():
        call_command("kpi-rollup", "--all")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="keep the database of the last run")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    var_dir = os.environ.get("CITYOPS_BENCH_VAR", tempfile.mkdtemp(prefix="cityops-bench-"))
    prepare(var_dir, args.reuse)
    os.environ.update(_server.env(var_dir))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
    import django

    django.setup()
    fill_village_rollups()
    from cityops.accounts.models import User
    from cityops.accounts.services import token_create
    from cityops.cases.models import Case

    cases = Case.objects.count()
    _, dispatcher = token_create(user=User.objects.get(username="dispatcher_village"), name="bench", days=1)
    _, duty = token_create(user=User.objects.get(username="duty"), name="bench", days=1)
    server = _server.Server(var_dir, 2)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        auth_d = {"Authorization": f"Bearer {dispatcher}"}
        auth_t = {"Authorization": f"Bearer {duty}"}
        figures = {"cases_in_database": cases}
        page = session_login(conn, "dispatcher_village", "Demo-Cityops-2026")
        figures["queue_page_disposing"] = timed(conn, "/cases/?tab=disposing", page, args.requests)
        figures["queue_page_disposing_red"] = timed(
            conn, "/cases/?tab=disposing&colour=red", page, args.requests
        )
        figures["queue_page_closed_filtered"] = timed(
            conn, "/cases/?tab=closed&colour=none", page, args.requests
        )
        officer = session_login(conn, "duty", "Demo-Cityops-2026")
        figures["kpi_page_year_village_department"] = timed(conn, "/cases/kpis/", officer, 20)
        figures.update(
            {
                "queue_api_registered": timed(
                    conn, "/api/v1/cases?status=registered&page_size=50", auth_d, args.requests
                ),
                "queue_api_open_red": timed(
                    conn, "/api/v1/cases?open=true&colour=red&page_size=50", auth_d, args.requests
                ),
                "kpi_year_by_village_department": timed(
                    conn, "/api/v1/kpis?group=village,department&period=year", auth_t, 20
                ),
                "kpi_year_by_village_department_village_dispatcher": timed(
                    conn, "/api/v1/kpis?group=village,department&period=year", auth_d, 20
                ),
                "kpi_year_by_village": timed(conn, "/api/v1/kpis?group=village&period=year", auth_t, 20),
                "kpi_year_by_department": timed(
                    conn, "/api/v1/kpis?group=department&period=year", auth_t, 20
                ),
                "kpi_year_by_village_department_by_month": timed(
                    conn, "/api/v1/kpis?group=village,department&period=month", auth_t, 20
                ),
                "kpi_weeks_by_village": timed(conn, "/api/v1/kpis?group=village&period=week", auth_t, 20),
                "kpi_month_by_grid": timed(conn, "/api/v1/kpis?group=grid&period=month", auth_t, 20),
            }
        )
    finally:
        server.stop()
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
