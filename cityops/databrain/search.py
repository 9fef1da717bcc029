"""Chinese search of the catalogue through an indexed token table.

A resource's catalogue text is segmented with jieba's search mode (every dictionary word and the
shorter words inside longer ones: 户籍人口 gives 户籍, 人口 and 户籍人口), plus each Chinese character
alone, so a one-character query still finds something. The tokens are rows of ``SearchToken``
(unique on token and resource); a query is segmented the same way and every word of it must be
found — one indexed lookup per query, the same on SQLite and PostgreSQL. PostgreSQL's own full text
search has no Chinese parser without an extension (zhparser) that a stock server lacks, and a
``LIKE '%…%'`` scan reads every row.
"""

import re
from collections import Counter

from django.db.models import Count, Sum

WORD = re.compile(r"[\w]", re.UNICODE)
CJK = re.compile(r"[\u4e00-\u9fff]")
MAX_TOKEN = 40
# words that say nothing about a resource
STOP = frozenset({"的", "和", "与", "及", "或", "等", "了", "在"})

# The weight of a word by where it occurs: a name counts more than an abstract.
WEIGHTS = {"name": 5, "code": 5, "category": 3, "provider": 3, "field": 2, "abstract": 1}

_jieba = None


def segmenter():
    """jieba, loaded and initialised once per process (it takes about a second)."""
    global _jieba
    if _jieba is None:
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        _jieba = jieba
    return _jieba


def words(text: str) -> list[str]:
    """The search words of ``text``: jieba's search-mode words and single Chinese characters,
    lower-cased, without punctuation and stop words."""
    out = []
    for word in segmenter().cut_for_search(text or ""):
        word = word.strip().lower()
        if word and WORD.search(word) and word not in STOP and len(word) <= MAX_TOKEN:
            out.append(word)
    out.extend(ch for ch in CJK.findall(text or "") if ch not in STOP)
    return out


def resource_tokens(parts: dict[str, str]) -> Counter:
    """Token → weight for a resource's texts by kind (a key of ``WEIGHTS``)."""
    weights: Counter = Counter()
    for kind, text in parts.items():
        for word in set(words(text)):
            weights[word] += WEIGHTS[kind]
    return weights


def query_words(q: str) -> list[str]:
    """The distinct words of a query, in order."""
    return list(dict.fromkeys(words(q)))


def rank(tokens_qs, q: str):
    """Resource ids matching every word of ``q``, best first (as a values queryset); None for an
    empty query."""
    wanted = query_words(q)
    if not wanted:
        return None
    return (
        tokens_qs.filter(token__in=wanted)
        .values("resource_id")
        .annotate(hits=Count("token"), score=Sum("weight"))
        .filter(hits=len(wanted))
        .order_by("-score", "resource_id")
    )


# ---- the words inside records' values (the datastore's ``q``) ---------------------------------------
#
# A record's value is cut into runs of Chinese characters and runs of ASCII letters and digits. A
# Chinese run gives its overlapping pairs of characters and its last character alone (幸福路 →
# 幸福, 福路, 路); an ASCII run gives itself lower-cased (12, a12). A query word cut the same way finds
# every value holding it: each pair of a Chinese run of the word is a pair of the value, a single
# Chinese character begins a pair or is a run's last character (so it is looked up as a prefix of
# the tokens), and an ASCII run of the word begins a run of the value (digits and letters are found
# from the beginning of their run: 12 in 12号 and in 120, not 23 in 123). Jieba is not used
# here: it keeps a name or a place whole (陈大文 is one word), and a part of it (大文) is then not
# found, while pairs find any part of two characters or more; pairs also cost a fraction of jieba's
# time when a million values are loaded.

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
RUNS = re.compile(rf"[{HAN}]+|[A-Za-z0-9]+")
ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(text: str) -> str:
    """ASCII letters in lower case, as the databases' ``lower()`` under a byte collation folds them."""
    return text.translate(ASCII_LOWER)


_RUN_TOKENS: dict[str, tuple[str, ...]] = {}  # runs repeat enormously (villages, streets)


def _pairs(run: str) -> tuple[str, ...]:
    """A Chinese run's overlapping pairs of characters and its last character."""
    return (*(run[i : i + 2] for i in range(len(run) - 1)), run[-1])


def _run_tokens(run: str) -> tuple[str, ...]:
    tokens = _RUN_TOKENS.get(run)
    if tokens is None:
        tokens = (fold(run),) if run[0].isascii() else _pairs(run)
        if len(_RUN_TOKENS) < 200_000:
            _RUN_TOKENS[run] = tokens
    return tokens


def value_tokens(text: str) -> set[str]:
    """The tokens a record's value is indexed under."""
    out: set[str] = set()
    for run in RUNS.findall(text):
        out.update(_run_tokens(run))
    return out


def query_tokens(word: str) -> list[tuple[str, bool]]:
    """What a query word must find, as (token, prefix): every token found (exactly, or as the
    beginning of a token when ``prefix``) in a value that holds the word; empty for a word without
    Chinese characters, letters or digits."""
    out: list[tuple[str, bool]] = []
    for run in RUNS.findall(word):
        if run[0].isascii():
            out.append((fold(run), True))
        elif len(run) == 1:
            out.append((run, True))
        else:
            out.extend((run[i : i + 2], False) for i in range(len(run) - 1))
    return list(dict.fromkeys(out))
