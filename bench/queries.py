"""Read paths on PostgreSQL with the demo's year of history: a dispatcher's filtered queue and the
year's KPI tables.

Run after `bench/intake.py` (which loads the database) or on its own:
`.venv/bin/python bench/queries.py [--reuse] [--requests 200]`.
Goals (grid governance issue): a dispatcher's filtered queue page p95 < 50 ms; the year's KPI
table by village × department < 300 ms.
"""

import argparse
import http.client
import json
import os
import sys
import tempfile
import time
from pathlib import Path

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


def session_login(conn, username: str, password: str) -> dict:
    """Sign in through the login form as a browser does; the headers carry the session cookie."""
    import re

    conn.request("GET", "/accounts/login/")
    resp = conn.getresponse()
    page = resp.read().decode()
    csrf_cookie = re.search(r"csrftoken=([^;]+)", resp.getheader("Set-Cookie", "")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = f"csrfmiddlewaretoken={token}&username={username}&password={password}"
    conn.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie}",
            "Referer": f"http://127.0.0.1:{conn.port}/accounts/login/",
        },
    )
    resp = conn.getresponse()
    resp.read()
    session = re.search(r"sessionid=([^;]+)", resp.getheader("Set-Cookie", "")).group(1)
    return {"Cookie": f"sessionid={session}; csrftoken={csrf_cookie}"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="keep the database of the last run")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    var_dir = os.environ.get("CITYOPS_BENCH_VAR", tempfile.mkdtemp(prefix="cityops-bench-"))
    if not args.reuse:
        _server.recreate_database()
        _server.cityops(var_dir, "migrate", "-v0")
        _server.cityops(var_dir, "seed-demo", "--quiet", quiet=True)
    os.environ.update(_server.env(var_dir))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
    import django

    django.setup()
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
        try:
            page = session_login(conn, "dispatcher_village", "Demo-Cityops-2026")
        except (AttributeError, OSError) as exc:
            figures["queue_page"] = f"not measured: the scripted login failed ({exc})"
        else:
            figures["queue_page_disposing"] = timed(conn, "/cases/?tab=disposing", page, args.requests)
            figures["queue_page_closed_filtered"] = timed(
                conn, "/cases/?tab=closed&colour=none", page, args.requests
            )
        figures.update(
            {
                "queue_api_registered": timed(
                    conn, "/api/v1/cases?status=registered&page_size=50", auth_d, args.requests
                ),
                "queue_api_open_red": timed(
                    conn, "/api/v1/cases?open=true&colour=red&page_size=50", auth_d, args.requests
                ),
                "kpi_year_by_village": timed(conn, "/api/v1/kpis?group=village&period=year", auth_t, 20),
                "kpi_year_by_department": timed(
                    conn, "/api/v1/kpis?group=department&period=year", auth_t, 20
                ),
                "kpi_month_by_grid": timed(conn, "/api/v1/kpis?group=grid&period=month", auth_t, 20),
            }
        )
    finally:
        server.stop()
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
