"""Case numbers: by year, after the counter row, and the year's gaps explained."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from cityops.cases.models import CaseCounter
from cityops.cases.numbering import last_taken, number_gaps, take_numbers
from tests.cases.test_intake import intake

pytestmark = pytest.mark.django_db

SEQUENCES = connection.vendor == "postgresql"


class Rollback(Exception):
    pass


def rolled_back_intake(users, **kw):
    with pytest.raises(Rollback), transaction.atomic():
        intake(users, **kw)
        raise Rollback


def test_a_rolled_back_intake_leaves_a_gap_only_where_numbers_come_from_a_sequence(catalogue):
    year = timezone.localtime().year
    first = intake(catalogue).case.number
    rolled_back_intake(catalogue, grid=3)
    third = intake(catalogue, grid=5).case.number
    assert first == f"{year}0000001"
    gaps = number_gaps(year)
    if SEQUENCES:
        assert third == f"{year}0000003"
        assert (gaps.last, gaps.used, gaps.ranges, gaps.missing) == (3, 2, [(2, 2)], 1)
    else:
        assert third == f"{year}0000002"
        assert (gaps.last, gaps.used, gaps.ranges, gaps.missing) == (2, 2, [], 0)


def test_numbers_go_on_after_the_years_counter_row(catalogue):
    year = timezone.localtime().year
    CaseCounter.objects.create(year=year, last=41)
    assert intake(catalogue).case.number == f"{year}0000042"
    assert last_taken(year) == 42
    gaps = number_gaps(year)
    assert gaps.ranges == [(1, 41)] and gaps.used == 1


def test_a_block_of_numbers_is_consecutive(catalogue):
    assert take_numbers(2031, 5) == 5
    assert take_numbers(2031) == 6
    assert last_taken(2031) == 6 and last_taken(2032) == 0


def test_the_command_lists_the_missing_numbers(catalogue):
    year = timezone.localtime().year
    CaseCounter.objects.create(year=year, last=3)
    intake(catalogue)
    take_numbers(year, 2)  # intakes that took numbers 5 and 6 and rolled back
    intake(catalogue, grid=3)
    take_numbers(year)  # an intake that took number 8 and rolled back
    out = io.StringIO()
    call_command("case-number-gaps", stdout=out)
    assert out.getvalue().splitlines() == [
        f"{year}0000001 – {year}0000003 (3 numbers)",
        f"{year}0000005 – {year}0000006 (2 numbers)",
        f"{year}0000008",
        f"{year}: 8 numbers given out, 2 carried by cases, 6 missing",
    ]


def test_the_command_refuses_a_year_that_is_not_one(catalogue):
    with pytest.raises(CommandError, match="'twenty' is not a whole number from 2000 to 9999"):
        call_command("case-number-gaps", "--year", "twenty")
