"""The compiled checks a load runs give exactly the findings of stdnum's general path: every rule
over a fixed corpus of good and bad values (random but seeded), compared finding by finding with
the checks as first written (``reference`` below: stdnum's ``validate`` on every value, the date
formats tried in their order)."""

import random
import re
from datetime import datetime

from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidComponent, ValidationError
from stdnum.util import _char_map

from cityops.databrain import quality
from cityops.databrain.choices import FieldType, Problem, Rule
from cityops.databrain.quality import DATE_FORMATS, INTEGER, MOBILE, Finding, _stdnum_detail, known_division


class F:
    def __init__(self, type="text", rule="", required=False, length=None):
        self.type, self.rule, self.required, self.length = type, rule, required, length


def reference(field, text):
    """The checks before they were compiled, kept here as the yardstick."""
    if not text:
        return text, [Finding(Problem.REQUIRED)] if field.required else []
    found = []
    if field.type == FieldType.DATE:
        day = None
        for fmt in DATE_FORMATS:
            try:
                day = datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        if day is None:
            found.append(Finding(Problem.DATE, "use YYYY-MM-DD"))
        else:
            text = day.isoformat()
    elif field.type == FieldType.INTEGER:
        if not INTEGER.match(text.replace(",", "")):
            found.append(Finding(Problem.NUMBER, "not a whole number"))
    elif field.type == FieldType.NUMBER:
        try:
            float(text.replace(",", ""))
        except ValueError:
            found.append(Finding(Problem.NUMBER))
    if field.length and len(text) > field.length:
        found.append(Finding(Problem.TOO_LONG, f"{len(text)} characters, at most {field.length}"))
    for rule, module, problem in (
        (Rule.RESIDENT_ID, ric, Problem.RESIDENT_ID),
        (Rule.CREDIT_CODE, uscc, Problem.CREDIT_CODE),
    ):
        if field.rule == rule:
            try:
                module.validate(text)
            except ValidationError as exc:
                found.append(Finding(problem, _stdnum_detail(exc)))
            except (
                KeyError
            ):  # stdnum on a known province, unknown county (449999…): this used to fail the load
                found.append(Finding(problem, _stdnum_detail(InvalidComponent())))
    if field.rule == Rule.MOBILE and not MOBILE.match(re.sub(r"[\s-]", "", text)):
        found.append(Finding(Problem.MOBILE, "11 digits starting 13–19"))
    if field.rule == Rule.DIVISION and not known_division(text):
        found.append(Finding(Problem.DIVISION))
    return text, found


def mutations(rnd, good: list[str], alphabet: str) -> list[str]:
    """Each good value, and the same with one character changed, dropped, doubled, lowercased,
    spaced, dashed or made full-width."""
    out = []
    for v in good:
        i = rnd.randrange(len(v))
        out += [
            v,
            v[:i] + rnd.choice(alphabet) + v[i + 1 :],
            v[:i] + v[i + 1 :],
            v + v[-1],
            v.lower(),
            f" {v[:6]} {v[6:]}",
            f"{v[:6]}-{v[6:]}",
            v[:i] + chr(ord(v[i]) + 0xFEE0) + v[i + 1 :] if v[i].isalnum() else v,
        ]
    return out


def resident_ids(rnd) -> list[str]:
    places = ["441900", "110105", "110103", "110110", "449999", "000000", "440106", "110000", "999999"]
    good = []
    for _ in range(300):
        body = (
            f"{rnd.choice(places)}{rnd.randint(1890, 2030)}{rnd.randint(0, 13):02d}{rnd.randint(0, 32):02d}"
        )
        body += f"{rnd.randint(0, 999):03d}"
        good.append(body + ric.calc_check_digit(body + "0"))
    return mutations(rnd, good, "0123456789Xx") + ["", "X" * 18, "1" * 17 + "x", "11010519491231002X"]


def credit_codes(rnd) -> list[str]:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    good = []
    for _ in range(300):
        body = f"9144190{rnd.randint(0, 9)}" + "".join(rnd.choice(alphabet) for _ in range(9))
        good.append(body + uscc.calc_check_digit(body))
    return mutations(rnd, good, alphabet + "IOSVZ") + ["91110000600037341L", "91110000600037341l"]


def dates(rnd) -> list[str]:
    out = []
    for _ in range(300):
        y, m, d = rnd.randint(0, 2100), rnd.randint(0, 13), rnd.randint(0, 32)
        fmt = rnd.choice(["{:04d}-{:02d}-{:02d}", "{}-{}-{}", "{:04d}/{:02d}/{:02d}", "{:04d}{:02d}{:02d}"])
        out.append(fmt.format(y, m, d))
        out.append(rnd.choice(["{}.{}.{}", "{}年{}月{}日", "{}/{}/{}", "{}{}{}"]).format(y, m, d))
    return out + [
        "2020-02-29",
        "2019-02-29",
        "2020-1-5",
        "2020- 1- 5",
        "２０２０-０１-０２",
        "20201305",
        "abc",
    ]


def mobiles(rnd) -> list[str]:
    good = [f"1{rnd.randint(0, 9)}{rnd.randint(0, 999_999_999):09d}" for _ in range(200)]
    return mutations(rnd, good, "0123456789") + ["+8613812345678", "8613812345678", "0769-22001234"]


def test_every_rule_gives_the_findings_of_the_general_path():
    rnd = random.Random(20261207)
    cases = [
        (F(rule=Rule.RESIDENT_ID, required=True), resident_ids(rnd)),
        (F(rule=Rule.CREDIT_CODE, length=18), credit_codes(rnd)),
        (F(type=FieldType.DATE, length=10), dates(rnd)),
        (F(rule=Rule.MOBILE), mobiles(rnd)),
        (F(rule=Rule.DIVISION), ["441900", "449999", "44190", "110103", "４４１９００", "", "000000"]),
        (F(type=FieldType.INTEGER), ["12", "1,200", "-3", "1.5", "x", "１２"]),
        (F(type=FieldType.NUMBER, length=4), ["12.5", "1,200.5", "nan", "x", "1e3", "１２"]),
    ]
    compared = 0
    for field, values in cases:
        check = quality.checker(field)
        for text in values:
            value, found = check(text)
            assert (value, list(found)) == reference(field, text), (field.rule or field.type, text)
            compared += 1
    assert compared > 7000
    # the short path is taken on well-formed values, and there too the answers are stdnum's
    assert quality.RIC_FAST.fullmatch("11010519491231002X") and not quality.RIC_FAST.fullmatch("１" * 18)


def test_the_short_path_only_takes_values_stdnum_would_not_change():
    """stdnum's compact maps some characters to others; none of them is one the short path takes."""
    assert not set(_char_map) & set("0123456789ABCDEFGHJKLMNPQRTUWXY")


def test_a_column_of_dates_in_another_format_is_read_the_same_in_any_order():
    check = quality.checker(F(type=FieldType.DATE))
    for text in ["1990/01/02", "19900102", "1990.01.02", "1990年01月02日", "1990-01-02", "1990/1/2"]:
        assert check(text) == ("1990-01-02", ())
    assert list(check("1990/02/30")[1]) == [Finding(Problem.DATE, "use YYYY-MM-DD")]


def test_a_resident_id_of_a_province_code_is_flagged_not_a_failed_load():
    """stdnum raises KeyError on a code whose province is known but not its county (449999)."""
    check = quality.checker(F(rule=Rule.RESIDENT_ID))
    for number in (ric_with("44999919900101001"), "4499991990010100"):
        expected = "impossible birth date or unknown place code" if len(number) == 18 else "wrong length"
        assert list(check(number)[1]) == [Finding(Problem.RESIDENT_ID, expected)]
    assert (
        check(" " + ric_with("44999919900101001"))[1][0].detail
        == "impossible birth date or unknown place code"
    )


def ric_with(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")
