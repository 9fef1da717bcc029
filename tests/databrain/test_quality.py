"""Quality checks: every rule on its own, bad values flagged and kept, duplicates by key, the report."""

import pytest

from cityops.databrain import datastore
from cityops.databrain.loads import load_file
from cityops.databrain.models import QualityIssue
from cityops.databrain.quality import check, known_division
from tests.databrain.files import credit, csv_bytes, rid

pytestmark = pytest.mark.django_db


class F:
    def __init__(self, type="text", rule="", required=False, length=None):
        self.type, self.rule, self.required, self.length = type, rule, required, length


def problems(field, text):
    return [(f.problem, f.detail) for f in check(field, text)[1]]


def test_resident_id_checksum_birth_date_and_length():
    good = rid("11010519491231002")
    assert good == "11010519491231002X" and problems(F(rule="resident_id"), good) == []
    wrong = good[:-1] + "1"
    assert problems(F(rule="resident_id"), wrong) == [("resident_id", "wrong check character")]
    feb30 = rid("11010519490230002")  # the right check character, an impossible birth date
    assert problems(F(rule="resident_id"), feb30) == [
        ("resident_id", "impossible birth date or unknown place code")
    ]
    assert problems(F(rule="resident_id"), "1101051949") == [("resident_id", "wrong length")]


def test_unified_social_credit_code():
    assert problems(F(rule="credit_code"), "91110000600037341L") == []
    assert problems(F(rule="credit_code"), credit("91441900MA4W12345")) == []
    assert problems(F(rule="credit_code"), "91110000600037341M") == [("credit_code", "wrong check character")]
    assert problems(F(rule="credit_code"), "9111000060003734") == [("credit_code", "wrong length")]


@pytest.mark.parametrize(
    "value,ok",
    [
        ("13812345678", True),
        ("+8613812345678", True),
        ("138 1234 5678", True),
        ("12812345678", False),
        ("1381234567", False),
        ("0769-22001234", False),
    ],
)
def test_mobile_numbers(value, ok):
    assert (problems(F(rule="mobile"), value) == []) is ok


def test_division_codes_from_gb_t_2260():
    assert known_division("441900") and known_division("110105")
    assert not known_division("449999") and not known_division("44190")
    assert problems(F(rule="division"), "449999") == [("division", "")]


def test_dates_numbers_required_and_length():
    assert check(F(type="date"), "2024年3月5日")[0] == "2024-03-05"
    assert check(F(type="date"), "2024-02-30")[0] == "2024-02-30"  # kept as it came
    assert problems(F(type="date"), "2024-02-30") == [("date", "use YYYY-MM-DD")]
    assert problems(F(type="integer"), "3.5") == [("number", "not a whole number")]
    assert problems(F(type="integer"), "1,200") == []
    assert problems(F(type="number"), "abc") == [("number", "")]
    assert problems(F(required=True), "") == [("required", "")]
    assert problems(F(), "") == []
    assert problems(F(length=3), "abcd") == [("too_long", "4 characters, at most 3")]


def test_bad_values_are_flagged_and_kept_and_the_report_has_examples(rented):
    good = rid("44190019900101001")
    rows = [
        ["公民身份号码", "姓名", "出生日期", "行政区划代码", "联系电话", "出租间数"],
        [good, "陈大文", "1990-01-01", "441900", "13812345678", "3"],
        [good[:-1] + ("1" if good[-1] != "1" else "2"), "", "1990-13-01", "449999", "12345", "三"],
        [good, "陈大文重复", "1990-01-01", "441900", "13812345678", "3"],
    ]
    load = load_file(resource_code=rented.code, data=csv_bytes(rows), filename="q.csv", actor_name="t")
    assert load.status == "done" and load.inserted == 3 and load.flagged == 2
    report = load.report
    assert report["by_problem"] == {
        "resident_id": 1,
        "required": 1,
        "date": 1,
        "division": 1,
        "mobile": 1,
        "number": 1,
        "duplicate": 1,
    }
    assert report["examples"]["duplicate"] == [
        {"row": 4, "field": "id_number", "value": good, "detail": "also row 2"}
    ]
    stored = datastore.page(rented, list(rented.fields.all()), filters=[], limit=10).rows
    assert [r["_flags"] for r in stored] == [0, 6, 1]
    assert stored[1]["birth_date"] == "1990-13-01" and stored[1]["phone"] == "12345"  # kept as they came
    issue = QualityIssue.objects.get(load=load, problem="mobile")
    assert issue.record_id == stored[1]["_id"] and issue.row == 3 and issue.value == "12345"


def test_a_reload_replaces_the_findings_of_the_records_it_rewrites(rented):
    good = rid("44190019900101001")
    bad = [["公民身份号码", "姓名", "联系电话"], [good, "陈大文", "12345"]]
    load_file(resource_code=rented.code, data=csv_bytes(bad), filename="1.csv", actor_name="t")
    assert QualityIssue.objects.filter(resource=rented).count() == 1
    fixed = [["公民身份号码", "姓名", "联系电话"], [good, "陈大文", "13812345678"]]
    load_file(resource_code=rented.code, data=csv_bytes(fixed), filename="2.csv", actor_name="t")
    assert QualityIssue.objects.filter(resource=rented).count() == 0
    rented.refresh_from_db()
    assert (rented.record_count, rented.flagged_count) == (1, 0)
