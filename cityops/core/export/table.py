"""A table to export: its columns (title, width, number format) and its rows, lazily."""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

# Number formats a column may ask for; a cell's kind otherwise follows its value (a datetime is a
# date-time, a date a date, a number a number, anything else text).
FORMATS = {
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "datetime_seconds": "yyyy-mm-dd hh:mm:ss",
    "percent": "0.0%",
    "decimal": "0.00",
}
CSV_TIME = {"datetime": "%Y-%m-%d %H:%M", "datetime_seconds": "%Y-%m-%d %H:%M:%S"}


@dataclass(frozen=True)
class Column:
    title: str
    width: float | None = None  # in characters; None leaves the spreadsheet's default
    format: str | None = None  # a key of FORMATS; None: from the value (date-times to the second)

    def __post_init__(self):
        if self.format is not None and self.format not in FORMATS:
            raise ValueError(f"unknown column format {self.format!r}; use one of {', '.join(FORMATS)}")


@dataclass
class Sheet:
    """One table. Past the spreadsheet's row limit it continues on sheets named "title (2)" …"""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]
    frozen_columns: int = 0  # columns kept in view when scrolling sideways (the header row always is)
    header: bool = True  # False: the columns give widths only, every row is data

    @property
    def titles(self) -> list[str]:
        return [str(c.title) for c in self.columns]


def columns(titles: Iterable, **kw) -> list[Column]:
    """Plain columns from their titles."""
    return [Column(str(t), **kw) for t in titles]


def chunked(items: Iterable, size: int) -> Iterator[list]:
    """``items`` in lists of ``size`` (the last one shorter), for one lookup per chunk of rows."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk
