#!/usr/bin/env bash
# The whole suite: lint, then pytest on SQLite, then on PostgreSQL.
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

echo "== tests on SQLite"
DATABASE_URL= $BIN/pytest -p no:cacheprovider "$@"

if $BIN/python - "$PG_URL" <<'PY'
import sys, psycopg
url = sys.argv[1].replace("/cityops", "/postgres")
try:
    psycopg.connect(url, connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL is not reachable at {url}: {exc}", file=sys.stderr)
    sys.exit(1)
PY
then
  echo "== tests on PostgreSQL"
  DATABASE_URL="$PG_URL" $BIN/pytest -p no:cacheprovider "$@"
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL is required under CI=true; the suite cannot pass without it." >&2
  exit 1
else
  echo "== SKIPPED: the PostgreSQL run (no server reachable at $PG_URL; set CITYOPS_TEST_PG_URL)."
fi
