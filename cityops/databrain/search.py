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
