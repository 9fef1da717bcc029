"""GB/T 28181 IDs: every rule, each broken on its own, is named in the error."""

import pytest
from django.test import override_settings

from cityops.video import gbid

GOOD = "44190000" + "08" + "132" + "7" + "000001"


def test_a_good_id_splits_into_its_parts():
    gb = gbid.parse(GOOD)
    assert (gb.centre, gb.industry, gb.type_code, gb.network, gb.serial) == (
        "44190000",
        "08",
        "132",
        "7",
        "000001",
    )


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("", "empty"),
        ("4419000008132700000", "19 digits"),
        ("441900000813270000011", "21 digits"),
        ("44190000081327000A01", "other than digits"),
        ("99190000081327000001", "not a GB/T 2260"),
        ("44000100081327000001", "not a GB/T 2260"),
        ("11010000081327000001", "outside the town"),
        ("44190000991327000001", "industry"),
        ("44190000089997000001", "type code"),
        ("44190000081329000001", "network"),
    ],
)
def test_each_broken_rule_is_named(value, words):
    with pytest.raises(gbid.BadId, match=words):
        gbid.parse(value)


def test_types_narrow_what_is_accepted():
    with pytest.raises(gbid.BadId, match="not a type allowed here"):
        gbid.parse("44190000" + "08" + "216" + "7" + "000001", types=gbid.CHANNEL_TYPES)
    assert gbid.parse("44190000" + "08" + "216" + "7" + "000001", types=gbid.GROUP_TYPES)


def test_the_town_is_a_setting():
    with override_settings(CITYOPS_VIDEO_DIVISIONS=["110105"]):
        assert gbid.parse("11010500081327000001")
        with pytest.raises(gbid.BadId, match="outside the town"):
            gbid.parse(GOOD)


def test_build_makes_a_valid_id():
    assert gbid.build("441900", "11", "131", "6", 42) == "44190000111316000042"
