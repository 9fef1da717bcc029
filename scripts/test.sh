#!/usr/bin/env bash
# The whole suite: lint, then pytest on SQLite and on PostgreSQL side by side.
# PostgreSQL is used when reachable; under CI=true it is required.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL="${CITYOPS_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/cityops}"

echo "== lint"
$BIN/ruff check cityops tests bench
$BIN/lint-imports --no-cache
$BIN/cityops makemigrations --check --dry-run >/dev/null || {
  echo "Models and migrations differ: run 'cityops makemigrations'." >&2; exit 1; }

pg_reachable() {
  $BIN/python - "$PG_URL" <<'PY'
import sys, psycopg
url = sys.argv[1].replace("/cityops", "/postgres")
try:
    psycopg.connect(url, connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL is not reachable at {url}: {exc}", file=sys.stderr)
    sys.exit(1)
PY
}

# The two runs share nothing (an in-memory SQLite database; test_* databases on PostgreSQL; brokers
# and servers on free ports), so they run side by side, one per core; each log is shown when done.
LOGS=$(mktemp -d)
echo "== tests on SQLite"
DATABASE_URL= $BIN/pytest -p no:cacheprovider "$@" >"$LOGS/sqlite.log" 2>&1 &
sqlite_pid=$!
pg_pid=""
if pg_reachable; then
  echo "== tests on PostgreSQL (beside the SQLite run)"
  DATABASE_URL="$PG_URL" $BIN/pytest -p no:cacheprovider "$@" >"$LOGS/postgresql.log" 2>&1 &
  pg_pid=$!
elif [ "${CI:-}" = "true" ]; then
  kill "$sqlite_pid" 2>/dev/null
  echo "PostgreSQL is required under CI=true; the suite cannot pass without it." >&2
  exit 1
else
  echo "== SKIPPED: the PostgreSQL run (no server reachable at $PG_URL; set CITYOPS_TEST_PG_URL)."
fi
status=0
wait "$sqlite_pid" || status=1
echo "== SQLite run"; cat "$LOGS/sqlite.log"
if [ -n "$pg_pid" ]; then
  wait "$pg_pid" || status=1
  echo "== PostgreSQL run"; cat "$LOGS/postgresql.log"
fi
rm -rf "$LOGS"
exit $status
