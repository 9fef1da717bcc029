"""Exports of real size against the demo database: time to the first byte, total time and size of
the workbench's all-cases CSV and XLSX (as the duty officer) and of the KPI workbooks (as a village
dispatcher, and the KPI page's button as the duty officer), beside a trivial authenticated request
in the same run (read the figures as ratios to it).

Run against a seeded demo (`cityops migrate && cityops seed-demo` with the same environment):
`CITYOPS_VAR_DIR=var .venv/bin/python bench/exports.py [--port 18210] [--skip-before-year]`.
The database is the environment's (the var directory's SQLite, or $DATABASE_URL). One gunicorn
worker serves every request, so its peak resident memory (VmHWM) after each export is the most
that export (or an earlier one) needed. Goal (issue 12): the first byte of any export within a
second.
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._server import ROOT, free_port  # noqa: E402
from bench.queries import session_login  # noqa: E402

PASSWORD = "Demo-Cityops-2026"


class Server:
    """`cityops serve` with one worker, on the environment's database."""

    def __init__(self, port: int, code: Path = ROOT):
        self.port = port
        env = {**os.environ, "CITYOPS_LOG_LEVEL": "WARNING", "PYTHONPATH": str(code)}
        args = ["serve", "--port", str(port), "--workers", "1", "--threads", "2"]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cityops.cli", *args],
            cwd=code,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("cityops serve did not start")

    def worker_peak_mb(self) -> float | None:
        """The worker's peak resident memory so far (the master's only child)."""
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
            status = Path(f"/proc/{children[0]}/status").read_text()
        except (OSError, IndexError):
            return None
        kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
        return round(kb / 1024, 1)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def fetch(port: int, path: str, headers: dict) -> dict:
    """One GET: status, seconds to the first byte of the body, to its first 64 KiB (rows are
    flowing, not only a header) and to its end, and its bytes."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    t0 = time.perf_counter()
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    size = len(resp.read(1))
    ttfb = time.perf_counter() - t0
    first_64k = None
    while block := resp.read1(1 << 16):
        size += len(block)
        if first_64k is None and size >= 1 << 16:
            first_64k = round(time.perf_counter() - t0, 3)
    total = time.perf_counter() - t0
    conn.close()
    return {
        "status": resp.status,
        "first_byte_s": round(ttfb, 3),
        "first_64KiB_s": first_64k,
        "total_s": round(total, 2),
        "bytes": size,
    }


def trivial(port: int, headers: dict, n: int = 20) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        conn.request("GET", "/api/v1/accounts/me", headers=headers)
        conn.getresponse().read()
        samples.append(time.perf_counter() - t0)
    conn.close()
    samples.sort()
    return {
        "requests": n,
        "median_ms": round(samples[n // 2] * 1000, 1),
        "max_ms": round(samples[-1] * 1000, 1),
    }


def kpi_year(port: int, headers: dict, start: date, end: date) -> dict:
    """grid×department by day over the range; past the export's bound, the longest range within it."""
    path = "/api/v1/kpis/export.xlsx?group=grid,department&period=day&start={}&end={}"
    figures = fetch(port, path.format(start, end), headers)
    figures["range"] = f"{start}..{end}"
    while figures["status"] == 400 and end - start > timedelta(days=7):
        start = end - (end - start) / 2
        figures = {
            **fetch(port, path.format(start, end), headers),
            "range": f"{start}..{end}",
            "year": "refused",
        }
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument(
        "--code",
        type=Path,
        default=ROOT,
        help="serve the cityops source in this directory (e.g. `git archive` of an older commit, to time "
        "it on the same machine and database); default: this tree",
    )
    args = parser.parse_args()
    if not os.environ.get("CITYOPS_VAR_DIR") and not os.environ.get("DATABASE_URL"):
        parser.error("set CITYOPS_VAR_DIR (the seeded demo's var directory) or DATABASE_URL")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
    import django

    django.setup()
    from cityops.cases.models import Case

    cases = Case.objects.count()
    server = Server(args.port or free_port(), args.code.resolve())
    try:
        port = server.port
        duty = session_login(http.client.HTTPConnection("127.0.0.1", port), "duty", PASSWORD)
        village = session_login(http.client.HTTPConnection("127.0.0.1", port), "dispatcher_village", PASSWORD)
        end = date.today()
        start = end - timedelta(days=365)
        figures = {"cases_in_database": cases, "trivial_authenticated_request": trivial(port, duty)}
        figures["worker_peak_mb_before_exports"] = server.worker_peak_mb()
        for name, path, who in [
            ("workbench_all_csv_duty", "/cases/export/?tab=all&format=csv", duty),
            ("workbench_all_xlsx_duty", "/cases/export/?tab=all&format=xlsx", duty),
            (
                "kpi_page_export_year_by_month_duty",
                f"/api/v1/kpis/export.xlsx?group=village,department&group=village&group=department"
                f"&period=month&start={start}&end={end}",
                duty,
            ),
        ]:
            figures[name] = fetch(port, path, who)
            figures[name]["worker_peak_mb"] = server.worker_peak_mb()
        figures["kpi_grid_department_by_day_village_dispatcher"] = kpi_year(port, village, start, end)
        figures["kpi_grid_department_by_day_village_dispatcher"]["worker_peak_mb"] = server.worker_peak_mb()
        refused = f"/api/v1/kpis/export.xlsx?group=grid,department&period=day&start={start}&end={end}"
        figures["kpi_grid_department_by_day_duty_town_wide"] = fetch(port, refused, duty)
        json_path = f"/api/v1/kpis?group=grid,department&period=day&start={start}&end={end}"
        figures["kpi_same_year_as_json_village_dispatcher"] = fetch(port, json_path, village)
        figures["trivial_authenticated_request_after"] = trivial(port, duty)
    finally:
        server.stop()
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    exports = {k: v for k, v in figures.items() if isinstance(v, dict) and "json" not in k}
    slow = [k for k, v in exports.items() if v.get("first_byte_s", 0) > 1]
    print("first byte within a second:", "yes" if not slow else f"no ({', '.join(slow)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
