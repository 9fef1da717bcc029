"""The incident categories and subcategories of GB/T 20986-2023, read from ``data/incident_categories.json``
(the file names its source and what of it is unverified). Names are data in both languages, chosen
by the reader's language; codes are the project's own."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils import translation

DATA = Path(__file__).resolve().parent / "data" / "incident_categories.json"


@dataclass(frozen=True)
class Named:
    code: str
    zh: str
    en: str

    @property
    def name(self) -> str:
        return self.zh if (translation.get_language() or "zh-hans").startswith("zh") else self.en


@dataclass(frozen=True)
class Category(Named):
    subcategories: tuple[Named, ...]

    def sub(self, code: str) -> Named | None:
        return next((s for s in self.subcategories if s.code == code), None)


@cache
def categories() -> tuple[Category, ...]:
    doc = json.loads(DATA.read_text(encoding="utf-8"))
    return tuple(
        Category(
            c["code"],
            c["zh"],
            c["en"],
            tuple(Named(s["code"], s["zh"], s["en"]) for s in c["subcategories"]),
        )
        for c in doc["categories"]
    )


@cache
def source() -> str:
    return json.loads(DATA.read_text(encoding="utf-8"))["standard"]


def category(code: str) -> Category | None:
    return next((c for c in categories() if c.code == code), None)


def names(category_code: str, subcategory_code: str) -> tuple[str, str]:
    """The category's and the subcategory's names in the reader's language (the codes when unknown)."""
    cat = category(category_code)
    if cat is None:
        return category_code, subcategory_code
    sub = cat.sub(subcategory_code)
    return cat.name, sub.name if sub else subcategory_code
