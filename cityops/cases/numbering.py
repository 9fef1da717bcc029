"""Case numbers: the year and a running number (``2026`` + 7 digits).

On PostgreSQL each year's numbers come from a sequence of its own (``cases_number_<year>``), made
by the database function ``cases_number_take`` the first time the year needs a number. A sequence
never waits for the transaction that took a number to end, so intakes do not queue behind each
other for it; the price is that a number taken by an intake that then rolls back is never given
again, and the year shows a gap there (``cityops case-number-gaps`` lists them). On SQLite, which
has one writer at a time anyway, the year's counter row is taken and held to commit, gap-free.
"""

from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction

from cityops.cases.models import Case, CaseCounter

ADVISORY_CLASS = 7303  # pg_advisory_xact_lock(7303, year) while a year's sequence is made
DIGITS = 7

# Race-safe on demand: the year's first intakes queue on the advisory lock while one of them makes
# the sequence (in its own transaction, so it vanishes again if that intake rolls back); one that
# still finds no sequence after the lock was let go (a stale catalogue view) and tries to make it
# a second time is told it exists and goes on. A new sequence starts after the year's counter row,
# so numbers given out before sequences existed are never given again.
POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION cases_number_take(y integer, n integer DEFAULT 1) RETURNS bigint AS $$
DECLARE
    seq text := 'cases_number_' || y;
    start bigint;
BEGIN
    IF to_regclass(seq) IS NULL THEN
        PERFORM pg_advisory_xact_lock({ADVISORY_CLASS}, y);
        IF to_regclass(seq) IS NULL THEN
            SELECT coalesce(max(c.last), 0) + 1 INTO start FROM cases_casecounter c WHERE c.year = y;
            BEGIN
                EXECUTE format('CREATE SEQUENCE %I START WITH %s', seq, start);
            EXCEPTION WHEN duplicate_table OR unique_violation THEN NULL;
            END;
        END IF;
    END IF;
    IF n = 1 THEN
        RETURN nextval(seq);
    END IF;
    RETURN setval(seq, nextval(seq) + n - 1);
END
$$ LANGUAGE plpgsql
"""
POSTGRES_FUNCTION_REMOVE = "DROP FUNCTION IF EXISTS cases_number_take(integer, integer)"


def format_number(year: int, n: int) -> str:
    return f"{year}{n:0{DIGITS}d}"


def _counter_take(year: int, n: int) -> int | None:
    table = connection.ops.quote_name(CaseCounter._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {table} SET last = last + %s WHERE year = %s RETURNING last", [n, year])
        row = cur.fetchone()
    return row[0] if row else None


def _counter_next(year: int, n: int) -> int:
    """The counter row's new last number; the row stays locked until the caller commits."""
    last = _counter_take(year, n)
    if last is None:
        try:
            with transaction.atomic():
                CaseCounter.objects.create(year=year, last=n)
            last = n
        except IntegrityError:  # another intake created the year's row first
            last = _counter_take(year, n)
    return last


def take_numbers(year: int, n: int = 1) -> int:
    """Take ``n`` consecutive numbers of the year; the last of them. A block of more than one is
    for the demo's seeding, which runs alone: an intake at the same moment could take a number
    inside the block on PostgreSQL, and the case numbers' unique index would refuse the second."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT cases_number_take(%s, %s)", [year, n])
            return cur.fetchone()[0]
    return _counter_next(year, n)


def number_case(case_id: int, year: int) -> str:
    """Give the case the year's next number; on PostgreSQL in one statement."""
    if connection.vendor == "postgresql":
        cases = connection.ops.quote_name(Case._meta.db_table)
        with connection.cursor() as cur:
            cur.execute(
                f"UPDATE {cases} SET number = %s || lpad(t.n::text, greatest({DIGITS}, length(t.n::text)), '0') "
                "FROM (SELECT cases_number_take(%s) AS n) t WHERE id = %s RETURNING number",
                [str(year), year, case_id],
            )
            return cur.fetchone()[0]
    number = format_number(year, take_numbers(year))
    Case.objects.filter(pk=case_id).update(number=number)
    return number


def last_taken(year: int) -> int:
    """The last number of the year given out so far (to a case or to an intake that rolled back)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT to_regclass(%s) IS NOT NULL", [f"cases_number_{year}"])
            if cur.fetchone()[0]:
                cur.execute(f"SELECT last_value, is_called FROM cases_number_{int(year)}")
                value, called = cur.fetchone()
                return value if called else value - 1
    return CaseCounter.objects.filter(year=year).values_list("last", flat=True).first() or 0


@dataclass(frozen=True)
class NumberGaps:
    year: int
    last: int  # the last number given out
    used: int  # how many of 1..last a case carries
    ranges: list[tuple[int, int]]  # the missing numbers, as inclusive ranges

    @property
    def missing(self) -> int:
        return sum(b - a + 1 for a, b in self.ranges)


def number_gaps(year: int) -> NumberGaps:
    """The numbers of the year given out but carried by no case, as ranges: one read of the
    year's numbers in order (from the unique index), whatever the size of the year."""
    last = last_taken(year)
    prefix = str(year)
    numbers = (
        Case.objects.filter(number__startswith=prefix).order_by("number").values_list("number", flat=True)
    )
    ranges, expected, used = [], 1, 0
    for number in numbers.iterator(chunk_size=10_000):
        tail = number[len(prefix) :]
        if not tail.isdigit():
            continue
        n = int(tail)
        if n > expected:
            ranges.append((expected, n - 1))
        expected, used = max(expected, n + 1), used + 1
    last = max(last, expected - 1)
    if expected <= last:
        ranges.append((expected, last))
    return NumberGaps(year, last, used, ranges)
