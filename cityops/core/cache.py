"""Per-process caches of reference data (the locate index, the working calendar, the catalogue):
built once, rebuilt when the version stored in the database changes, the version read at most
every ``refresh`` seconds — so a change made by one process reaches every other one within that
time, and the hot path costs no query."""

import threading
import time
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

_ALL: "weakref.WeakSet[ProcessCache]" = weakref.WeakSet()


class ProcessCache(Generic[T]):
    """A value built by ``build()``, kept while ``version()`` returns the same thing."""

    def __init__(self, build: Callable[[], T], version: Callable[[], object], refresh: Callable[[], float]):
        self._build, self._version, self._refresh = build, version, refresh
        self._lock = threading.Lock()
        self._value: T | None = None
        self._built_version: object = None
        self._checked = 0.0
        _ALL.add(self)

    def get(self) -> T:
        value = self._value
        if value is not None and time.monotonic() - self._checked < self._refresh():
            return value
        with self._lock:
            version = self._version()
            if self._value is None or version != self._built_version:
                self._value = self._build()
                self._built_version = version
            self._checked = time.monotonic()
            return self._value

    def invalidate(self) -> None:
        """Forget the value: the next ``get`` reads the version and rebuilds."""
        with self._lock:
            self._value = None
            self._built_version = None


def invalidate_all() -> None:
    """Forget every process cache (tests start each from the database)."""
    for cache in list(_ALL):
        cache.invalidate()
