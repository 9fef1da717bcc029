"""The scale-out rehearsal of docs/deployment.md ("Scale-out"): on one PostgreSQL database, two web
processes, two `cityops worker`, two `cityops iot-ingest` in one shared MQTT subscription, the IoT
simulator, and (with --replica) a streaming standby that the big screen, the KPI page and the
reports read from; a short load through both web processes; then the database is asked whether
every once-only effect happened once. Prints what it saw; exits 1 when a check fails.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cityops_rehearsal CITYOPS_VAR_DIR=var/rehearsal \\
        .venv/bin/python scripts/rehearse-scaleout.py [--replica] [--seconds 60] [--reuse]

The database is dropped and seeded again (a small demo: CITYOPS_DEMO_HISTORY_CASES and the other
CITYOPS_DEMO_* sizes below, unless set) unless --reuse. Ports: --port-base + 1 and + 2 for the web
processes, + 83 for the broker; the standby on --replica-port (5433), its data under the var
directory, made by pg_basebackup as the postgres OS user (the primary's pg_hba.conf needs
`host replication all 127.0.0.1/32 trust`; run as root, which acts as the postgres user), stopped
and removed at the end.
"""

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SMALL_DEMO = {
    "CITYOPS_DEMO_HISTORY_CASES": "5000",
    "CITYOPS_DEMO_DATA_RECORDS": "0",
    "CITYOPS_DEMO_APPLICATIONS": "200",
    "CITYOPS_DEMO_PATROL_DAYS": "2",
}
PASSWORD = "Demo-Cityops-2026"  # the demo town's (cityops/demo/people.py)
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {loadavg()}] {text}", flush=True)


class Rehearsal:
    def __init__(self, args):
        self.args = args
        self.url = os.environ.get("DATABASE_URL", "")
        if not self.url.startswith("postgres"):
            sys.exit("DATABASE_URL must name a PostgreSQL database: the rehearsal is of production's shape.")
        self.var = Path(os.environ.get("CITYOPS_VAR_DIR", ROOT / "var" / "rehearsal")).resolve()
        self.logs = self.var / "rehearsal-logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.procs: list[tuple[str, subprocess.Popen]] = []
        self.env = {
            **os.environ,
            **{k: os.environ.get(k, v) for k, v in SMALL_DEMO.items()},
            "CITYOPS_VAR_DIR": str(self.var),
            "PYTHONPATH": str(ROOT),
            "CITYOPS_LOG_LEVEL": "WARNING",
        }
        self.replica_dir = self.var / "replica"
        self.ports = (args.port_base + 1, args.port_base + 2)
        self.mqtt_port = args.port_base + 83

    # — the database —

    def sql(self, query: str, params=(), url: str | None = None) -> list[tuple]:
        with psycopg.connect(url or self.url, autocommit=True) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def cityops(self, *argv: str, env: dict | None = None) -> None:
        cmd = [sys.executable, "-m", "cityops.cli", *argv]
        subprocess.run(cmd, cwd=ROOT, env=env or self.env, check=True, stdout=subprocess.DEVNULL)

    def prepare(self) -> None:
        if not self.args.reuse:
            name = urllib.parse.urlsplit(self.url).path.lstrip("/")
            admin = self.url.rsplit("/", 1)[0] + "/postgres"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}"')
        t0 = time.monotonic()
        self.cityops("migrate", "--noinput", "-v0")
        if not self.args.reuse:
            self.cityops("seed-demo", "--quiet")
        self.cityops("collectstatic", "--noinput", "-v0")
        say(f"database migrated and seeded in {time.monotonic() - t0:.0f} s")

    # — the standby —

    def start_replica(self) -> str:
        """A streaming standby of the whole cluster on --replica-port, from pg_basebackup."""
        hba = Path(self.sql("SHOW hba_file")[0][0])
        line = "host replication all 127.0.0.1/32 trust"
        try:
            allowed = line in hba.read_text().splitlines()
        except OSError:  # not ours to read: pg_basebackup will say whether it may stream
            allowed = True
        if not allowed:
            sys.exit(f"{hba} lacks the line `{line}`: the standby cannot stream (add it and reload).")
        self.stop_replica()
        self.replica_dir.mkdir(parents=True)
        shutil.chown(self.replica_dir, "postgres", "postgres")
        self.replica_dir.chmod(0o700)
        closed = [str(p) for p in self.var.parents if not p.stat().st_mode & 0o001]
        if closed:  # the postgres user must reach its data directory
            sys.exit(
                f"the postgres user cannot pass through {', '.join(closed)}: choose another CITYOPS_VAR_DIR"
            )
        self.var.chmod(self.var.stat().st_mode | 0o001)
        primary = urllib.parse.urlsplit(self.url)
        t0 = time.monotonic()
        self.as_postgres(
            PG_BIN / "pg_basebackup", "-h", primary.hostname or "127.0.0.1", "-p", str(primary.port or 5432),
            "-U", "postgres", "-D", str(self.replica_dir), "-R", "-X", "stream", "-c", "fast",
        )  # fmt: skip
        # a standby needs these at least as high as its primary's
        keep = ("max_connections", "max_worker_processes", "max_wal_senders", "max_locks_per_transaction",
                "max_prepared_transactions")  # fmt: skip
        conf = {k: self.sql(f"SHOW {k}")[0][0] for k in keep}
        conf |= {
            "port": str(self.args.replica_port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.replica_dir}'",
            "hot_standby": "on",
            "shared_buffers": "'32MB'",
            "hba_file": f"'{self.replica_dir / 'pg_hba.conf'}'",
            "ident_file": f"'{self.replica_dir / 'pg_ident.conf'}'",
        }
        (self.replica_dir / "postgresql.conf").write_text("".join(f"{k} = {v}\n" for k, v in conf.items()))
        (self.replica_dir / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\n"
        )
        (self.replica_dir / "pg_ident.conf").write_text("")
        for name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
            shutil.chown(self.replica_dir / name, "postgres", "postgres")
        self.as_postgres(PG_BIN / "pg_ctl", "-D", str(self.replica_dir), "-l", str(self.replica_dir / "log"),
                         "-w", "start")  # fmt: skip
        url = primary._replace(netloc=f"postgres@127.0.0.1:{self.args.replica_port}").geturl()
        say(f"standby on port {self.args.replica_port}, in recovery: {self.sql('SELECT pg_is_in_recovery()', url=url)[0][0]}, "
            f"made in {time.monotonic() - t0:.0f} s")  # fmt: skip
        return url

    def stop_replica(self) -> None:
        if (self.replica_dir / "postmaster.pid").exists():
            self.as_postgres(PG_BIN / "pg_ctl", "-D", str(self.replica_dir), "-m", "fast", "-w", "stop")
        if self.replica_dir.exists():
            shutil.rmtree(self.replica_dir)

    def as_postgres(self, *cmd) -> None:
        prefix = [] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--"]
        subprocess.run([*prefix, *map(str, cmd)], check=True, stdout=subprocess.DEVNULL, cwd="/")

    def make_overdue(self) -> None:
        """A day goes by for the open cases not yet escalated: their step deadlines move to
        yesterday, so that the two workers' escalation sweeps both find them; every job is due."""
        rows = self.sql(
            """UPDATE cases_case SET step_deadline = now() - interval '26 hours'
               WHERE status NOT IN ('closed', 'cancelled', 'on_hold')
                 AND escalation = 0 RETURNING id"""
        )
        self.overdue = len(rows)
        # every job due at once, so that the two workers race for each from the start, and the
        # reports of the last closed periods to be made again (reading the replica, with --replica)
        self.sql("UPDATE core_job SET next_run_at = now()")
        self.sql("DELETE FROM ops_report")

    # — the processes —

    def start(self, name: str, *argv: str, env: dict | None = None, cmd: list[str] | None = None) -> None:
        log = (self.logs / f"{name}.log").open("w")
        proc = subprocess.Popen(
            cmd or [sys.executable, "-m", "cityops.cli", *argv],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the process and its children (gunicorn's) are one group
        )
        self.procs.append((name, proc))

    def stop_all(self) -> None:
        for _name, proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30  # a worker stops after the job in hand
        for name, proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop within 30 s: killed")
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def start_all(self, replica_url: str | None) -> None:
        secret = "rehearsal-" + os.urandom(8).hex()
        mqtt = {"CITYOPS_IOT_MQTT_PORT": str(self.mqtt_port), "CITYOPS_IOT_MQTT_PASSWORD": secret}
        self.cityops(
            "iot-mosquitto-config", "--out", str(self.var / "mqtt"), "--port", str(self.mqtt_port),
            "--run-as", os.environ.get("USER", "root"), "--gateway", "demo-gateway",
            env={**self.env, **mqtt, "CITYOPS_IOT_GATEWAY_PASSWORD_DEMO_GATEWAY": secret},
        )  # fmt: skip
        self.start("mosquitto", cmd=["mosquitto", "-c", str(self.var / "mqtt" / "mosquitto.conf")])
        web = {"DATABASE_REPLICA_URL": replica_url} if replica_url else {}
        workers = {"CITYOPS_DEMO_TRICKLE_SECONDS": "10", **web}  # the reports job reads the replica too
        for n in (1, 2):
            self.start(f"ingest-{n}", "iot-ingest", "--shared", "--client-id", f"cityops-ingest-{n}",
                       "--status-seconds", "10", env={**mqtt, "CITYOPS_LOG_LEVEL": "INFO"})  # fmt: skip
            self.start(f"worker-{n}", "worker", env=workers)
        for port in self.ports:
            self.start(
                f"web-{port}", "serve", "--port", str(port), "--workers", "2", "--threads", "4", env=web
            )
        for port in self.ports:
            self.wait_up(port)
        self.start(
            "simulate-iot", "simulate-iot", "--port", str(self.mqtt_port), "--username", "demo-gateway",
            "--password", secret, "--speed", "10", "--rain-in", "20",
        )  # fmt: skip

    def wait_up(self, port: int) -> None:
        for _ in range(600):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        sys.exit(f"the web process on port {port} did not answer /healthz (see {self.logs})")

    # — the load —

    def login(self, port: int, username: str) -> dict:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/accounts/login/")
        resp = conn.getresponse()
        page = resp.read().decode()
        cookies = dict(re.findall(r"(\w+)=([^;]+)", ";".join(resp.headers.get_all("Set-Cookie") or [])))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}
        )
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{port}/accounts/login/",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
        }
        conn.request("POST", "/accounts/login/", body=body, headers=headers)
        resp = conn.getresponse()
        resp.read()
        cookies |= dict(re.findall(r"(\w+)=([^;]+)", ";".join(resp.headers.get_all("Set-Cookie") or [])))
        if resp.status != 302 or "sessionid" not in cookies:
            sys.exit(f"signing in as {username} on port {port} answered {resp.status}")
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}

    def api_token(self, port: int, session: dict) -> str:
        csrf = re.search(r"csrftoken=([^;]+)", session["Cookie"]).group(1)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        body = json.dumps({"name": "rehearsal", "days": 1})
        headers = {**session, "X-CSRFToken": csrf, "Content-Type": "application/json",
                   "Referer": f"http://127.0.0.1:{port}/"}  # fmt: skip
        conn.request("POST", "/api/v1/accounts/tokens", body=body, headers=headers)
        resp = conn.getresponse()
        answer = json.loads(resp.read() or b"{}")
        if resp.status not in (200, 201) or "token" not in answer:
            sys.exit(f"issuing an API token answered {resp.status}: {answer}")
        return answer["token"]

    def load(self, seconds: float) -> dict:
        """Staff pages and the screen through both web processes (one session, signed in on the
        first, used on both: no sticky sessions), and new cases through the API on both in turn."""
        session = self.login(self.ports[0], "duty")
        token = self.api_token(self.ports[1], session)  # the first's session, on the second
        grids = self.sql("SELECT centroid_lon, centroid_lat FROM geo_grid")
        items = [r[0] for r in self.sql("SELECT code FROM cases_patrolitem WHERE kind = 'event' AND active")]
        pages = ["/ops/screen/figures.json", "/ops/screen/map.json", "/cases/?tab=disposing", "/cases/kpis/",
                 "/api/v1/accounts/me"]  # fmt: skip
        stats: dict = {port: {} for port in self.ports}
        lock = threading.Lock()
        deadline = time.monotonic() + seconds

        def record(port, what, status):
            with lock:
                stats[port].setdefault(what, {}).setdefault(status, 0)
                stats[port][what][status] += 1

        def reader(port: int, seed: int) -> None:
            rng, conn = random.Random(seed), http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            while time.monotonic() < deadline:
                path = rng.choice(pages)
                try:
                    conn.request("GET", path, headers=session)
                    resp = conn.getresponse()
                    resp.read()
                except (ConnectionError, http.client.HTTPException):
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    continue
                record(port, path.split("?")[0], resp.status)

        def reporter(seed: int) -> None:
            rng = random.Random(seed)
            conns = {port: http.client.HTTPConnection("127.0.0.1", port, timeout=60) for port in self.ports}
            n = 0
            while time.monotonic() < deadline:
                port = self.ports[n % 2]
                lon, lat = rng.choice(grids)
                body = urllib.parse.urlencode({
                    "item": rng.choice(items), "lon": lon + rng.uniform(-2e-3, 2e-3),
                    "lat": lat + rng.uniform(-2e-3, 2e-3), "description": "rehearsal: a new case",
                })  # fmt: skip
                headers = {
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/x-www-form-urlencoded",
                }
                try:
                    conns[port].request("POST", "/api/v1/cases", body=body, headers=headers)
                    resp = conns[port].getresponse()
                    resp.read()
                except (
                    ConnectionError,
                    http.client.HTTPException,
                ):  # an idle keep-alive closed by the server
                    conns[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    continue
                record(port, "POST /api/v1/cases", resp.status)
                n += 1
                time.sleep(0.5)

        threads = [threading.Thread(target=reader, args=(p, i)) for i, p in enumerate(self.ports * 2)]
        threads.append(threading.Thread(target=reporter, args=(99,)))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return stats

    # — the checks —

    def checks(self, since) -> list[tuple[str, bool, str]]:
        q = self.sql
        out = []
        overlaps = q(
            """SELECT j.name, count(*) FROM core_jobrun a JOIN core_jobrun b
               ON a.job_id = b.job_id AND a.id < b.id AND a.started_at < b.finished_at
                  AND b.started_at < a.finished_at
               JOIN core_job j ON j.id = a.job_id WHERE a.started_at >= %s GROUP BY j.name""",
            [since],
        )
        runs = q("SELECT worker, count(*) FROM core_jobrun WHERE started_at >= %s GROUP BY worker", [since])
        out.append(("no job ran twice at once", not overlaps, f"overlapping runs: {overlaps or 'none'}; "
                    f"runs by worker: {', '.join(f'{w} {n}' for w, n in runs)}"))  # fmt: skip
        out.append(("both workers ran jobs", len(runs) >= 2, f"{len(runs)} workers recorded runs"))
        escalated = q("SELECT count(*) FROM cases_caseevent WHERE action = 'escalate' AND at >= %s", [since])
        escalated = escalated[0][0]
        twice = q(
            """SELECT count(*) FROM (SELECT case_id, data->>'level' FROM cases_caseevent
               WHERE action = 'escalate' GROUP BY 1, 2 HAVING count(*) > 1) d"""
        )[0][0]
        out.append(("each escalation once", twice == 0 and escalated >= self.overdue,
                    f"{self.overdue} cases made overdue, {escalated} escalations in the run, "
                    f"{twice} (case, level) twice"))  # fmt: skip
        notes = q("SELECT count(*) FROM cases_notification WHERE created_at >= %s", [since])[0][0]
        dup_notes = q(
            """SELECT count(*) FROM (SELECT 1 FROM cases_notification WHERE created_at >= %s
               GROUP BY user_id, case_id, kind, text HAVING count(*) > 1) d""",
            [since],
        )[0][0]
        out.append(("each notification once", dup_notes == 0, f"{notes} notifications, {dup_notes} repeated"))
        trickle = q(
            """SELECT r.result FROM core_jobrun r JOIN core_job j ON j.id = r.job_id
               WHERE j.name = 'demo.trickle' AND r.ok AND r.started_at >= %s""",
            [since],
        )
        numbers = [n for (result,) in trickle for n in re.findall(r"\b[A-Z]*\d{8,}\b", result or "")]
        out.append(("each trickle tick one case", len(numbers) == len(set(numbers)) and len(trickle) > 0,
                    f"{len(trickle)} trickle runs, {len(set(numbers))} distinct cases"))  # fmt: skip
        rollups = q(
            """SELECT count(*) FROM core_jobrun r JOIN core_job j ON j.id = r.job_id
               WHERE j.name = 'cases.kpi_rollup' AND r.started_at >= %s""",
            [since],
        )[0][0]
        out.append(("the hourly KPI rollup once", rollups == 1, f"{rollups} runs of cases.kpi_rollup"))
        readings = q("SELECT count(*) FROM iot_reading")[0][0] - self.readings_before
        dead = q("SELECT count(*) FROM iot_deadletter WHERE received_at >= %s", [since])[0][0]
        out.append(("readings stored through both ingest workers", readings > 0 and dead == 0,
                    f"{readings} readings, {dead} dead letters"))  # fmt: skip
        alarms = q(
            """SELECT count(*) FROM (SELECT device_id, rule_id FROM iot_alarm WHERE status = 'active'
               GROUP BY 1, 2 HAVING count(*) > 1) d"""
        )[0][0]
        raised = q(
            "SELECT count(*), count(case_id), count(DISTINCT case_id) FROM iot_alarm WHERE started_at >= %s",
            [since],
        )[0]
        out.append(("one active alarm per device and rule, one case per alarm", alarms == 0 and raised[1] == raised[2],
                    f"{raised[0]} alarms raised, {raised[1]} with a case, {raised[2]} distinct cases"))  # fmt: skip
        reports = q("SELECT status, count(*) FROM ops_report GROUP BY 1")
        twice = q(
            "SELECT count(*) FROM (SELECT 1 FROM ops_report GROUP BY kind, start, scope_key HAVING count(*) > 1) d"
        )
        out.append(("each report made once", twice[0][0] == 0 and dict(reports).get("done", 0) > 0,
                    f"reports by status: {dict(reports)}; {twice[0][0]} made twice"))  # fmt: skip
        return out

    def ingest_shares(self) -> dict:
        """What each ingest worker stored, from its periodic status lines."""
        shares = {}
        for n in (1, 2):
            text = (self.logs / f"ingest-{n}.log").read_text(errors="replace")
            found = re.findall(r"totals: ([\d,]+) messages, ([\d,]+) values", text)
            shares[f"ingest-{n}"] = f"{found[-1][0]} messages, {found[-1][1]} values" if found else None
        return shares


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="how long the load runs (60)")
    parser.add_argument("--port-base", type=int, default=8700)
    parser.add_argument("--replica", action="store_true", help="start a streaming standby and read from it")
    parser.add_argument("--replica-port", type=int, default=5433)
    parser.add_argument("--reuse", action="store_true", help="keep the database as it is (no new seed)")
    args = parser.parse_args()
    r = Rehearsal(args)
    say("preparing the database")
    r.prepare()
    replica_url = None
    try:
        if args.replica:
            replica_url = r.start_replica()
        since = r.sql("SELECT now()")[0][0]
        r.readings_before = r.sql("SELECT count(*) FROM iot_reading")[0][0]
        r.make_overdue()
        r.start_all(replica_url)
        say(
            f"running: web on {r.ports}, 2 workers, 2 ingest workers, broker on {r.mqtt_port}; load {args.seconds:.0f} s"
        )
        stats = r.load(args.seconds)
        say("load done; the workers go on for 15 s more")
        time.sleep(15)
        if replica_url:
            lag = r.sql(
                "SELECT application_name, replay_lag, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) "
                "FROM pg_stat_replication"
            )
            standby = r.sql(
                "SELECT xact_commit + xact_rollback, tup_returned, now() - pg_last_xact_replay_timestamp() "
                "FROM pg_stat_database WHERE datname = current_database()",
                url=replica_url,
            )[0]
            say(
                f"standby: (name, replay lag, bytes behind) {lag}; since the last replayed commit {standby[2]}; "
                f"served {standby[0]} transactions, {standby[1]} rows read"
            )
    finally:
        r.stop_all()
        if args.replica:
            r.stop_replica()
    for port, paths in stats.items():
        say(f"web {port}: " + "; ".join(f"{p} {dict(sorted(s.items()))}" for p, s in sorted(paths.items())))
    say(f"ingest workers' last status: {r.ingest_shares()}")
    failed = 0
    for name, ok, detail in r.checks(since):
        failed += not ok
        say(f"{'PASS' if ok else 'FAIL'} {name}: {detail}")
    errors = sum(
        n for paths in stats.values() for s in paths.values() for code, n in s.items() if code >= 500
    )
    say(f"{'PASS' if not errors else 'FAIL'} no server errors: {errors} answers of 5xx")
    return 1 if failed or errors else 0


if __name__ == "__main__":
    sys.exit(main())
