"""Patrol items are found by the pinyin of their names, full or initials, worked out once per catalogue."""

import re

import pytest
from django.utils import timezone

from cityops.cases import item_search
from cityops.cases.models import PatrolItem

pytestmark = pytest.mark.django_db


def found(client, url: str, q: str) -> list[str]:
    html = client.get(url, {"q": q}).content.decode()
    return re.findall(r'name="item" value="([^"]+)"', html)


@pytest.mark.parametrize(
    "q, codes",
    [
        ("laji", ["E-GARBAGE"]),  # 暴露垃圾: the full pinyin of the last two characters
        ("lj", ["E-GARBAGE"]),  # its initials
        ("baolu", ["E-GARBAGE"]),
        ("Bao Lu La Ji", ["E-GARBAGE"]),  # capitals and spaces are ignored
        ("jinggai", ["C-MANHOLE"]),
        ("jg", ["C-MANHOLE"]),
        ("xiaofang", ["E-FIRE"]),
        ("xftd", ["E-FIRE"]),
        ("垃圾", ["E-FIRE", "E-GARBAGE"]),  # the Chinese name (and the category 暴露垃圾) as before
        ("e-fire", ["E-FIRE"]),  # the code as before
        ("aolu", []),  # not at a syllable's start
        ("garbage", []),  # the catalogue has no English names
    ],
)
def test_the_phone_picker_finds_items_by_pinyin(client, catalogue, q, codes):
    client.force_login(catalogue["inspector_g1"])
    assert found(client, "/cases/items/", q) == codes


def test_the_resident_picker_keeps_its_own_items(client, catalogue):
    assert found(client, "/report/items/", "jg") == []  # 井盖缺失 is not for residents
    assert found(client, "/report/items/", "xf") == ["E-FIRE"]


def test_every_reading_of_a_character_is_kept_the_phrases_first():
    syllables = item_search.pinyin_syllables("窨井盖（LED）")
    assert syllables[0] == ("xun", "yin")  # pypinyin's reading of 窨井 first, the trade's one too
    assert syllables[1:] == (("jing",), ("gai", "ge"), ("l",), ("e",), ("d",))  # letters stand for themselves
    keys = item_search.ItemKeys("X", syllables)
    assert keys.matches("yinjing") and keys.matches("xunjinggai") and keys.matches("yjg")
    assert keys.matches("jinggailed") and keys.matches("jingg")  # the last syllable may be cut short
    assert not keys.matches("yinjingai") and not keys.matches("gj")


def test_pinyin_is_worked_out_once_per_catalogue_version(client, catalogue, monkeypatch):
    calls = []
    original = item_search.pinyin_syllables
    monkeypatch.setattr(item_search, "pinyin_syllables", lambda name: calls.append(name) or original(name))
    monkeypatch.setattr(item_search._INDEX, "_refresh", lambda: 0)  # read the version on every request
    client.force_login(catalogue["inspector_g1"])
    for q in ("laji", "lj", "jg"):
        found(client, "/cases/items/", q)
    assert len(calls) == 3  # the three items, once

    # a renamed item is found by its new name's pinyin once the catalogue's version moves
    PatrolItem.objects.filter(code="C-MANHOLE").update(name="窨井盖破损", updated_at=timezone.now())
    assert found(client, "/cases/items/", "yjg") == ["C-MANHOLE"]
    assert len(calls) == 6
