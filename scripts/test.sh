#!/usr/bin/env bash
# The whole suite: lint, then pytest on SQLite and on PostgreSQL, in two lanes side by side.
# PostgreSQL is used when reachable; under CI=true it is required.
#
# Lane 1: every test but the browser tests on SQLite, then part 1 of the browser tests on PostgreSQL.
# Lane 2: every test but the browser tests on PostgreSQL, then part 2 of the browser tests there.
# The browser tests run once, on the production database (docs/architecture.md says why), shared
# between the lanes so that both end at about the same time (CITYOPS_E2E_PART, tests/conftest.py);
# with no PostgreSQL they all run on SQLite, so a machine without it still runs every test once.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL="${CITYOPS_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/cityops}"
PG_E2E_URL="${PG_URL%%\?*}_e2e"  # its own test database, so that the two lanes never share one

echo "== lint"
$BIN/ruff check cityops tests bench
$BIN/lint-imports --no-cache
$BIN/cityops makemigrations --check --dry-run >/dev/null || {
  echo "Models and migrations differ: run 'cityops makemigrations'." >&2; exit 1; }

pg_reachable() {
  $BIN/python - "$PG_URL" <<'PY'
import sys, psycopg
url = sys.argv[1].rsplit("/", 1)[0] + "/postgres"
try:
    psycopg.connect(url, connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL is not reachable at {url}: {exc}", file=sys.stderr)
    sys.exit(1)
PY
}

# pytest, printing its slowest tests (where the suite's time goes), where a selection that leaves no test (exit 5: `scripts/test.sh tests/cases` has no browser
# test) is no failure
run_pytest() {
  local rc=0
  $BIN/pytest -p no:cacheprovider --durations=25 --durations-min=3 "$@" || rc=$?
  [ "$rc" -eq 5 ] && rc=0
  return "$rc"
}

# The lanes share nothing (an in-memory SQLite database; test_* databases of their own on
# PostgreSQL; brokers and servers on free ports), so they run side by side, one per core.
LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT
if pg_reachable; then
  echo "== lane 1: SQLite without the browser tests, then part 1 of the browser tests on PostgreSQL"
  (
    s=0
    DATABASE_URL= run_pytest -m "not e2e" "$@" || s=1
    echo "== part 1 of the browser tests, on PostgreSQL"
    CITYOPS_E2E_PART=1 DATABASE_URL="$PG_E2E_URL" run_pytest --create-db --reuse-db -m e2e "$@" || s=1
    exit $s
  ) >"$LOGS/lane1.log" 2>&1 &
  lane1=$!
  echo "== lane 2: PostgreSQL without the browser tests, then part 2 of the browser tests"
  (
    s=0
    # the test database is created afresh, kept, and reused by the browser tests after (one
    # migration of the schema instead of two, and no drop in between)
    DATABASE_URL="$PG_URL" run_pytest --create-db --reuse-db -m "not e2e" "$@" || s=1
    echo "== part 2 of the browser tests, on PostgreSQL"
    CITYOPS_E2E_PART=2 DATABASE_URL="$PG_URL" run_pytest --reuse-db -m e2e "$@" || s=1
    exit $s
  ) >"$LOGS/lane2.log" 2>&1 &
  lane2=$!
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL is required under CI=true; the suite cannot pass without it." >&2
  exit 1
else
  echo "== SKIPPED: the PostgreSQL runs (no server reachable at $PG_URL; set CITYOPS_TEST_PG_URL)."
  echo "== every test on SQLite"
  DATABASE_URL= run_pytest "$@" >"$LOGS/lane1.log" 2>&1 &
  lane1=$!
  lane2=""
fi
status=0
wait "$lane1" || status=1
echo "== lane 1"; cat "$LOGS/lane1.log"
if [ -n "$lane2" ]; then
  wait "$lane2" || status=1
  echo "== lane 2"; cat "$LOGS/lane2.log"
fi
exit $status
