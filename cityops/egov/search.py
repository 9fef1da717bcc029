"""Finding a service item in the resident's own words: "开餐馆" finds 食品经营许可证核发.

A query becomes *concepts*. First the phrases of the synonym table (``data/synonyms.txt``, the
words residents use mapped to the catalogue's words) found anywhere in it, longest first; then what
is left, segmented by jieba, without the words that say nothing (我要, 怎么, 办理 …). A concept
matches an item when it or one of its synonyms occurs in the item's name (weight 10, more at the
start of the name) or in its guide (conditions, situations, materials, results, department: weight
1). Items matching every concept come first, by score; when none does, those matching the most.
Latin letters are read as pinyin, full or initials ("shipin", "spjy"), over the names, as the
patrol item search reads them.

Only published guides are indexed; the index is built once per process and rebuilt when an item
is published or the synonym file changes (``ProcessCache``), so a search reads no table: 1,264
items are a few thousand substring tests.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Max

from cityops.cases.item_search import ItemKeys, normalise, pinyin_syllables
from cityops.core.cache import ProcessCache
from cityops.databrain.search import segmenter
from cityops.egov.models import ItemVersion, ServiceItem

SYNONYM_FILE = Path(__file__).with_name("data") / "synonyms.txt"
NAME_WEIGHT, START_BONUS, GUIDE_WEIGHT = 10, 3, 1
PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)
# Words of a request that name no service.
STOP = frozenset(
    [
        "我",
        "我要",
        "我想",
        "想",
        "要",
        "想要",
        "怎么",
        "怎么办",
        "怎样",
        "如何",
        "去",
        "哪里",
        "哪儿",
        "在哪",
        "在",
        "的",
        "了",
        "吗",
        "呢",
        "啊",
        "个",
        "一个",
        "什么",
        "需要",
        "要求",
        "办",
        "办理",
        "申请",
        "手续",
        "流程",
        "请问",
        "可以",
        "能",
        "能不能",
        "给",
        "帮",
        "找",
        "和",
        "与",
        "及",
        "或",
    ]
)


@dataclass(frozen=True)
class Entry:
    item_id: int
    code: str
    name: str  # lower-cased
    guide: str  # the rest of the guide's text, lower-cased
    keys: ItemKeys
    letters: frozenset  # every letter of every reading: a query with another letter cannot match


def read_synonyms(path: Path = SYNONYM_FILE) -> dict[str, tuple[str, ...]]:
    """Phrase → catalogue words, from the synonym file (``#`` starts a comment)."""
    table: dict[str, tuple[str, ...]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "=" not in line:
            continue
        phrase, words = line.split("=", 1)
        terms = tuple(w.strip().lower() for w in re.split(r"[,，、]", words) if w.strip())
        if phrase.strip() and terms:
            table[phrase.strip().lower()] = tuple(
                dict.fromkeys(table.get(phrase.strip().lower(), ()) + terms)
            )
    return table


def _guide_text(version: ItemVersion, department: str) -> str:
    parts = [version.conditions, version.result_name, version.implementing_body, department]
    parts += [s.name for s in version.situations.all()]
    parts += [m.name for m in version.materials.all()]
    return " ".join(parts).lower()


@dataclass
class Index:
    entries: list[Entry]
    synonyms: dict[str, tuple[str, ...]]
    phrases: list[str]  # the synonym table's phrases, longest first
    by_code: dict[str, int]


def _build() -> Index:
    items = (
        ServiceItem.objects.filter(published__isnull=False)
        .select_related("published", "department")
        .prefetch_related("published__situations", "published__materials")
        .order_by("code")
    )
    entries = [
        Entry(
            item.pk,
            item.code,
            item.published.name.lower(),
            _guide_text(item.published, item.department.name),
            keys := ItemKeys(item.code, pinyin_syllables(item.published.name)),
            frozenset("".join(r for readings in keys.syllables for r in readings)),
        )
        for item in items
    ]
    synonyms = read_synonyms()
    return Index(
        entries,
        synonyms,
        sorted(synonyms, key=len, reverse=True),
        {e.code.lower(): e.item_id for e in entries},
    )


def _version() -> tuple:
    row = ServiceItem.objects.filter(published__isnull=False).aggregate(
        n=Count("id"), last=Max("published__published_at")
    )
    return row["n"], row["last"], SYNONYM_FILE.stat().st_mtime_ns


_INDEX = ProcessCache(_build, _version, lambda: settings.CITYOPS_CATALOGUE_REFRESH_SECONDS)


def concepts(q: str, index: Index | None = None) -> list[tuple[str, ...]]:
    """The concepts of a query, each the words any of which may stand for it."""
    index = index or _INDEX.get()
    text = q.strip().lower()
    groups: list[tuple[str, ...]] = []
    for phrase in index.phrases:
        if phrase in text:
            groups.append((phrase, *index.synonyms[phrase]))
            text = text.replace(phrase, " ")
    for word in segmenter().cut(PUNCTUATION.sub(" ", text)):
        word = word.strip()
        if word and word not in STOP and not PUNCTUATION.fullmatch(word):
            groups.append((word, *index.synonyms.get(word, ())))
    return list(dict.fromkeys(groups))


def _score(entry: Entry, group: tuple[str, ...]) -> int:
    best = 0
    for term in group:
        if term in entry.name:
            best = max(best, NAME_WEIGHT + (START_BONUS if entry.name.startswith(term) else 0))
        elif best == 0 and term in entry.guide:
            best = GUIDE_WEIGHT
    return best


def search(q: str, limit: int = 50) -> list[int]:
    """Ids of the published items that answer ``q``, best first."""
    index = _INDEX.get()
    q = q.strip()
    if not q:
        return []
    exact = index.by_code.get(q.lower())
    if exact is not None:
        return [exact]
    pinyin = normalise(q)
    if pinyin:
        wanted = set(pinyin)
        found = [e for e in index.entries if wanted <= e.letters and e.keys.matches(pinyin)]
        found.sort(key=lambda e: (len(e.name), e.code))
        return [e.item_id for e in found[:limit]]
    groups = concepts(q, index)
    if not groups:
        return []
    ranked = []
    for entry in index.entries:
        scores = [_score(entry, group) for group in groups]
        matched = sum(1 for s in scores if s)
        if matched:
            ranked.append((matched, sum(scores), entry))
    full = [r for r in ranked if r[0] == len(groups)]
    chosen = full or ranked
    chosen.sort(key=lambda r: (-r[0], -r[1], len(r[2].name), r[2].code))
    return [r[2].item_id for r in chosen[:limit]]
