"""Finding a patrol item by the pinyin of its name: "laji" or "lj" finds 暴露垃圾.

Item names are Chinese only; a phone keyboard, an English-speaking user or a hurried inspector types
Latin letters. Each name's pinyin (full and initials, per syllable) is worked out once per process
and kept until the catalogue changes (``ProcessCache``), never per request: pypinyin takes about a
second and 55 MB to load its dictionaries, so it is imported only when the index is first built.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max

from cityops.cases.models import PatrolItem
from cityops.core.cache import ProcessCache

LATIN = re.compile(r"^[a-z][a-z' ]*$")


@dataclass(frozen=True)
class ItemKeys:
    code: str
    # each character's readings, the one its phrase gives first: 银行 (yin), (hang, xing)
    syllables: tuple[tuple[str, ...], ...]

    def matches(self, q: str) -> bool:
        """``q`` spells out syllables from one on (the last may be cut short), or is their initials."""
        return any(self._spells(i, q) or self._initials(i, q) for i in range(len(self.syllables)))

    def _spells(self, i: int, q: str) -> bool:
        if not q:
            return True
        if i == len(self.syllables):
            return False
        return any(
            reading.startswith(q) or (q.startswith(reading) and self._spells(i + 1, q[len(reading) :]))
            for reading in self.syllables[i]
        )

    def _initials(self, i: int, q: str) -> bool:
        if len(q) < 2 or i + len(q) > len(self.syllables):
            return False  # one letter is left to the spelling, which it always starts
        return all(any(r[0] == c for r in self.syllables[i + k]) for k, c in enumerate(q))


def pinyin_syllables(name: str) -> tuple[tuple[str, ...], ...]:
    """Every reading of each character of ``name``, toneless; other letters and digits stand for themselves.

    Every reading, not only the phrase's: pypinyin's phrases miss some words of the trade (it reads
    窨井, a manhole, as xun jing, not yin jing), and a search should find either.
    """
    from pypinyin import Style, lazy_pinyin, pinyin

    def keep(chars: str) -> list[str]:
        return [c.lower() for c in chars if c.isalnum()]

    usual = lazy_pinyin(name, style=Style.NORMAL, errors=keep)
    every = pinyin(name, style=Style.NORMAL, heteronym=True, errors=lambda chars: [[c] for c in keep(chars)])
    return tuple(tuple(dict.fromkeys([u, *alts])) for u, alts in zip(usual, every, strict=True))


def _build() -> list[ItemKeys]:
    return [
        ItemKeys(code, pinyin_syllables(name))
        for code, name in PatrolItem.objects.values_list("code", "name")
    ]


def _version() -> tuple:
    row = PatrolItem.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    return row["n"], row["last"]


_INDEX = ProcessCache(_build, _version, lambda: settings.CITYOPS_CATALOGUE_REFRESH_SECONDS)


def normalise(q: str) -> str:
    """``q`` as pinyin to look up ("La Ji" → "laji"), or "" when it is not Latin letters."""
    q = q.strip().lower()
    if not LATIN.match(q):
        return ""
    return q.replace(" ", "").replace("'", "")


def codes_by_pinyin(q: str) -> list[str]:
    """Codes of the items whose name's pinyin matches ``q`` (any item: the caller's query narrows)."""
    q = normalise(q)
    if not q:
        return []
    return [keys.code for keys in _INDEX.get() if keys.matches(q)]
